package io.tickreplay.engine.replay;

import java.util.ArrayList;
import java.util.List;

/** A source over ticks held in memory, for tests; optionally fails after a number of ticks. */
public final class ListTickSource implements TickBatchSource
{
    /** One tick as the tests write it. */
    public record T(int symbol, long ts, int seq, double price, double size)
    {
    }

    private final List<T> ticks;
    private final int batchSize;
    private final int failAfter;
    private int next;
    private volatile long seekTarget = Long.MIN_VALUE;
    public volatile boolean closed;

    public ListTickSource(final List<T> ticks, final int batchSize, final int failAfter)
    {
        this.ticks = new ArrayList<>(ticks);
        this.batchSize = batchSize;
        this.failAfter = failAfter;
    }

    public ListTickSource(final List<T> ticks)
    {
        this(ticks, 7, Integer.MAX_VALUE);
    }

    @Override
    public boolean next(final TickBatch batch)
    {
        while (batch.count < Math.min(batchSize, batch.capacity) && next < ticks.size())
        {
            if (next == failAfter)
            {
                if (batch.count > 0)
                {
                    return true;
                }
                throw new IllegalStateException("the database went away");
            }
            final T t = ticks.get(next++);
            if (t.ts() < seekTarget)
            {
                continue;
            }
            batch.add(t.symbol(), t.ts(), t.seq(), t.price(), t.size(), t.price() - 0.01, t.price() + 0.01, 100, 200);
        }
        if (batch.count == 0 && next == failAfter && failAfter < ticks.size())
        {
            throw new IllegalStateException("the database went away");
        }
        return batch.count > 0;
    }

    @Override
    public void seek(final long tsMicros)
    {
        seekTarget = tsMicros;
    }

    @Override
    public void close()
    {
        closed = true;
    }

    /**
     * About {@code n} ticks in replay order (ts, symbol, seq): each time step holds every symbol, each
     * with 1 to 3 ticks on the same ts (ties numbered by seq); steps are {@code gapMicros} apart.
     */
    public static List<T> ticks(final int n, final int symbols, final long gapMicros)
    {
        final List<T> out = new ArrayList<>();
        long ts = 1_762_180_200_000_000L;
        for (int step = 0; out.size() < n; step++)
        {
            ts += gapMicros;
            for (int s = 0; s < symbols && out.size() < n; s++)
            {
                final int ties = 1 + (step + s) % 3;
                for (int seq = 0; seq < ties && out.size() < n; seq++)
                {
                    out.add(new T(s, ts, seq, 100 + (out.size() % 17) * 0.01, 1 + out.size() % 5));
                }
            }
        }
        return out;
    }
}
