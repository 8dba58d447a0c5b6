package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code volume_profile} (docs/signals.md): at each completed 1-minute bar, the share of the symbol's
 * volume since 00:00 UTC traded below the bar's close, counting volume at exactly the close as half.
 * Per symbol a small open-addressing table of price level -> volume for the day; it allocates only
 * when a day has more distinct prices than it has seen before (amortised, not per tick).
 */
public final class VolumeProfileCalculator implements BarSignalCalculator
{
    /** The share of the volume at exactly the close counted below it (x 0.5 is exactly / 2). */
    static final double AT_CLOSE_WEIGHT = 0.5;

    private final long[] day;
    private final Profile[] profiles;

    public VolumeProfileCalculator(final int symbols)
    {
        day = new long[symbols];
        Arrays.fill(day, Long.MIN_VALUE);
        profiles = new Profile[symbols];
        for (int i = 0; i < symbols; i++)
        {
            profiles[i] = new Profile();
        }
    }

    @Override
    public String name()
    {
        return "volume_profile";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("day_volume", "close");
    }

    @Override
    public Map<String, Object> parameters()
    {
        return Map.of("window", "utc_day", "bar_seconds", BarBuilder.ONE_MINUTE / Micros.PER_SECOND, "at_close_weight", AT_CLOSE_WEIGHT);
    }

    /** The day's profile starts at 00:00 UTC. */
    @Override
    public long warmupFrom(final long startMicros)
    {
        return Micros.startOfUtcDay(startMicros);
    }

    /** Accumulates the tick; called after the bar it may have completed was reported. */
    @Override
    public void onTick(final int s, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
        final long d = Micros.utcDay(ts);
        if (d != day[s])
        {
            day[s] = d;
            profiles[s].clear();
        }
        profiles[s].add(price, size);
    }

    @Override
    public void onBar(final int s, final long barStart, final double open, final double high, final double low, final double close,
        final double volume, final long trades, final int signalId, final SignalOutput out)
    {
        final Profile p = profiles[s];
        final double total = p.total;
        if (total > 0)
        {
            out.signal(signalId, s, barStart, 0, p.shareBelow(close) / total, total, close, Double.NaN);
        }
    }

    /**
     * Price level -> volume: the levels and their volumes kept densely in arrival order (what a bar's
     * scan reads, front to back), found through an open-addressing index on the price's bits
     * (linear probing; slot value = level + 1, 0 = empty).
     */
    static final class Profile
    {
        double[] prices = new double[32];
        double[] volumes = new double[32];
        int[] index = new int[64];
        int size;
        double total;

        void clear()
        {
            Arrays.fill(index, 0);
            size = 0;
            total = 0;
        }

        void add(final double price, final double volume)
        {
            final int mask = index.length - 1;
            int i = slot(price, mask);
            int level;
            while ((level = index[i]) != 0 && prices[level - 1] != price)
            {
                i = (i + 1) & mask;
            }
            if (level == 0)
            {
                if (size == prices.length)
                {
                    grow();
                    add(price, volume);
                    return;
                }
                prices[size] = price;
                volumes[size] = 0;
                index[i] = ++size;
                level = size;
            }
            volumes[level - 1] += volume;
            total += volume;
        }

        /** Volume below {@code close} plus half the volume at it. */
        double shareBelow(final double close)
        {
            double below = 0;
            double at = 0;
            for (int k = 0; k < size; k++)
            {
                final double p = prices[k];
                if (p < close)
                {
                    below += volumes[k];
                }
                else if (p == close)
                {
                    at += volumes[k];
                }
            }
            return below + at * AT_CLOSE_WEIGHT;
        }

        private void grow()
        {
            prices = Arrays.copyOf(prices, prices.length * 2);
            volumes = Arrays.copyOf(volumes, volumes.length * 2);
            index = new int[index.length * 2];
            final int mask = index.length - 1;
            for (int k = 0; k < size; k++)
            {
                int i = slot(prices[k], mask);
                while (index[i] != 0)
                {
                    i = (i + 1) & mask;
                }
                index[i] = k + 1;
            }
        }

        private static int slot(final double price, final int mask)
        {
            long h = Double.doubleToLongBits(price) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 32;
            return (int)h & mask;
        }
    }
}
