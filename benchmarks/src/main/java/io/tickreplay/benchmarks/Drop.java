package io.tickreplay.benchmarks;

import io.tickreplay.engine.signals.SignalShardStage;

/** A signals sink that drops everything (keeps the last value, so that nothing is optimised away); one per shard thread. */
final class Drop implements SignalShardStage.Sink
{
    double last;

    @Override
    public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1, final double m2,
        final double m3)
    {
        last = value;
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
