package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;
import java.util.List;

/**
 * {@code volume_profile} (docs/signals.md): at each completed 1-minute bar, the share of the symbol's
 * volume since 00:00 UTC traded below the bar's close, counting volume at exactly the close as half.
 * Per symbol a small open-addressing table of price level -> volume for the day; it allocates only
 * when a day has more distinct prices than it has seen before (amortised, not per tick).
 */
public final class VolumeProfileCalculator implements BarSignalCalculator
{
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

    /** Price level -> volume, linear probing on the price's bits; 0 is never a price (prices are > 0). */
    static final class Profile
    {
        double[] prices = new double[64];
        double[] volumes = new double[64];
        int size;
        double total;

        void clear()
        {
            Arrays.fill(prices, 0);
            Arrays.fill(volumes, 0);
            size = 0;
            total = 0;
        }

        void add(final double price, final double volume)
        {
            if ((size + 1) * 2 > prices.length)
            {
                grow();
            }
            int i = slot(price, prices.length);
            while (prices[i] != 0 && prices[i] != price)
            {
                i = (i + 1) & (prices.length - 1);
            }
            if (prices[i] == 0)
            {
                prices[i] = price;
                size++;
            }
            volumes[i] += volume;
            total += volume;
        }

        /** Volume below {@code close} plus half the volume at it. */
        double shareBelow(final double close)
        {
            double below = 0;
            double at = 0;
            for (int i = 0; i < prices.length; i++)
            {
                final double p = prices[i];
                if (p != 0)
                {
                    if (p < close)
                    {
                        below += volumes[i];
                    }
                    else if (p == close)
                    {
                        at += volumes[i];
                    }
                }
            }
            return below + at / 2;
        }

        private void grow()
        {
            final double[] oldPrices = prices;
            final double[] oldVolumes = volumes;
            prices = new double[oldPrices.length * 2];
            volumes = new double[oldPrices.length * 2];
            for (int k = 0; k < oldPrices.length; k++)
            {
                if (oldPrices[k] != 0)
                {
                    int i = slot(oldPrices[k], prices.length);
                    while (prices[i] != 0)
                    {
                        i = (i + 1) & (prices.length - 1);
                    }
                    prices[i] = oldPrices[k];
                    volumes[i] = oldVolumes[k];
                }
            }
        }

        private static int slot(final double price, final int length)
        {
            long h = Double.doubleToLongBits(price) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 32;
            return (int)h & (length - 1);
        }
    }
}
