package io.tickreplay.engine.replay;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a replay has emitted so far, for job tracking and metrics: total ticks, ticks per symbol,
 * the last emitted timestamp, errors. Written once per batch by the bus-publisher stage (ordered
 * writes), read by any thread.
 */
public final class ReplayProgress
{
    private final AtomicLong emitted = new AtomicLong();
    private final AtomicLong lastTsMicros = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLongArray emittedBySymbol;

    public ReplayProgress(final int symbols)
    {
        emittedBySymbol = new AtomicLongArray(symbols);
    }

    public long emitted()
    {
        return emitted.get();
    }

    /** The ts of the last emitted tick, or Long.MIN_VALUE before the first. */
    public long lastTsMicros()
    {
        return lastTsMicros.get();
    }

    public long emitted(final int symbolId)
    {
        return emittedBySymbol.get(symbolId);
    }

    public long errors()
    {
        return errors.get();
    }

    void publish(final long totalEmitted, final long lastTs, final long[] bySymbol)
    {
        for (int i = 0; i < bySymbol.length; i++)
        {
            emittedBySymbol.lazySet(i, bySymbol[i]);
        }
        lastTsMicros.lazySet(lastTs);
        emitted.lazySet(totalEmitted);
    }

    public void error()
    {
        errors.incrementAndGet();
    }
}
