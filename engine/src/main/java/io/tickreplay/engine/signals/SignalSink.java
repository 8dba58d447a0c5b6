package io.tickreplay.engine.signals;

import io.tickreplay.engine.replay.CheckpointBarrier;

/**
 * Where a calculator shard's values go (a COPY writer, a CSV or Parquet file, a test's list), with the
 * batch boundaries a writer needs. The topology calls it on one thread: the shard's writer thread
 * behind a {@link SignalRing}, or the shard's own thread when nothing is between them.
 */
public interface SignalSink extends SignalOutput
{
    /** Computes and keeps nothing (a replay with {@code --sink none}, benchmarks): the topology gives it no ring and no thread. */
    SignalSink DISCARD = new Dropping();

    /** Drops every value, but unlike {@link #DISCARD} gets a ring and a writer thread: the hand-off is measured, the write is not. */
    static SignalSink dropping()
    {
        return new Dropping();
    }

    /** No more values for now: a writer may hand its batch on. */
    void endOfBatch();

    /** The stream has ended and every value is out: write what is left. */
    void endOfStream();

    /**
     * Checkpoint marker {@code id}: make every value handed over so far durable, then
     * {@link CheckpointBarrier#ack acknowledge} it. By default a sink keeps nothing durable of its own
     * (a file is written whole at the end, a test's list) and acknowledges at once; a table writer commits first.
     */
    default void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        barrier.ack(id);
    }

    /** Keeps nothing. */
    final class Dropping implements SignalSink
    {
        @Override
        public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
            final double m2, final double m3)
        {
        }

        @Override
        public void endOfBatch()
        {
        }

        @Override
        public void endOfStream()
        {
        }
    }
}
