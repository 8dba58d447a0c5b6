package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code tick_rate_zscore}: the count of ticks in the current one-second bucket against the
 * previous 60 buckets' counts, as {@code (60c - S) / sqrt(60Q - S^2)} with exact integer sums
 * (docs/signals.md). Per symbol: a ring of 60 past counts, their sum and sum of squares, kept
 * exact as buckets roll.
 */
public final class TickRateZScoreCalculator implements SignalCalculator
{
    static final int WINDOW = 60;

    private final long[] bucket;
    private final long[] current;
    private final long[] history;
    private final long[] sum;
    private final long[] sumSquares;

    public TickRateZScoreCalculator(final int symbols)
    {
        bucket = new long[symbols];
        Arrays.fill(bucket, Long.MIN_VALUE);
        current = new long[symbols];
        history = new long[symbols * WINDOW];
        sum = new long[symbols];
        sumSquares = new long[symbols];
    }

    @Override
    public String name()
    {
        return "tick_rate_zscore";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("count", "mean", "sd");
    }

    @Override
    public Map<String, Object> parameters()
    {
        return Map.of("bucket_seconds", 1, "buckets", WINDOW);
    }

    /** The 60 one-second buckets before the start's bucket. */
    @Override
    public long warmupFrom(final long startMicros)
    {
        return (Math.floorDiv(startMicros, Micros.PER_SECOND) - WINDOW) * Micros.PER_SECOND;
    }

    @Override
    public void onTick(final int s, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
        final long b = Math.floorDiv(ts, Micros.PER_SECOND);
        if (b != bucket[s])
        {
            roll(s, b);
        }
        final long c = ++current[s];
        final long variance60 = WINDOW * sumSquares[s] - sum[s] * sum[s];
        if (variance60 > 0)
        {
            final double root = Math.sqrt((double)variance60);
            out.signal(signalId, s, ts, seq, (WINDOW * c - sum[s]) / root, c, sum[s] / (double)WINDOW, root / WINDOW);
        }
    }

    /** Moves symbol {@code s} to bucket {@code b}: the closed bucket and any empty ones enter the window. */
    private void roll(final int s, final long b)
    {
        final long previous = bucket[s];
        bucket[s] = b;
        if (previous == Long.MIN_VALUE)
        {
            current[s] = 0;
            return;
        }
        final long steps = Math.min(b - previous, WINDOW);
        long count = current[s];
        for (long k = 1; k <= steps; k++)
        {
            // bucket previous + k - 1 enters (count for the first, 0 for empty ones); previous + k - 1 - 60 leaves
            final int slot = s * WINDOW + (int)Math.floorMod(previous + k - 1, (long)WINDOW);
            final long leaving = history[slot];
            sum[s] += count - leaving;
            sumSquares[s] += count * count - leaving * leaving;
            history[slot] = count;
            count = 0;
        }
        if (b - previous > WINDOW)
        {
            // everything in the window is an empty bucket
            Arrays.fill(history, s * WINDOW, s * WINDOW + WINDOW, 0L);
            sum[s] = 0;
            sumSquares[s] = 0;
        }
        current[s] = 0;
    }
}
