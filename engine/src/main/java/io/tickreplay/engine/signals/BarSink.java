package io.tickreplay.engine.signals;

import io.tickreplay.engine.replay.CheckpointBarrier;

/**
 * Where completed bars go ({@code bars_ohlcv} through a COPY writer, a test's list), with the batch
 * boundaries a writer needs. Called on one thread: the bars writer thread behind a {@link BarRing},
 * or the bar stage's own thread when nothing is between them.
 */
public interface BarSink extends BarBuilder.BarOutput
{
    /** No more bars for now: a writer may commit. */
    void endOfBatch();

    /** The stream has ended and every bar is out. */
    void endOfStream();

    /** Checkpoint marker {@code id}: commit every bar handed over so far, then acknowledge it (at once by default: nothing durable). */
    default void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        barrier.ack(id);
    }
}
