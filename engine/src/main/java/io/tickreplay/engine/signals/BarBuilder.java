package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;

/**
 * OHLCV bars of one interval per symbol (docs/signals.md): a tick belongs to the bar starting at
 * {@code floor(ts / interval) * interval}; a bar completes when a tick of a later interval arrives,
 * or at {@link #completeAll}. Primitive arrays per symbol; allocation-free; one thread.
 */
public final class BarBuilder
{
    /** Receives completed bars. */
    @FunctionalInterface
    public interface BarOutput
    {
        void bar(int symbolId, long intervalMicros, long startMicros, double open, double high, double low, double close, double volume,
            long trades, double vwap);
    }

    public static final long ONE_MINUTE = Micros.PER_MINUTE;
    public static final long FIVE_MINUTES = 5 * Micros.PER_MINUTE;
    public static final long ONE_HOUR = Micros.PER_HOUR;

    private final long interval;
    private final long[] start;
    private final double[] open;
    private final double[] high;
    private final double[] low;
    private final double[] close;
    private final double[] volume;
    private final double[] priceVolume;
    private final long[] trades;

    public BarBuilder(final long intervalMicros, final int symbols)
    {
        this.interval = intervalMicros;
        start = new long[symbols];
        Arrays.fill(start, Long.MIN_VALUE);
        open = new double[symbols];
        high = new double[symbols];
        low = new double[symbols];
        close = new double[symbols];
        volume = new double[symbols];
        priceVolume = new double[symbols];
        trades = new long[symbols];
    }

    public long intervalMicros()
    {
        return interval;
    }

    /** Folds in an accepted tick; completes the symbol's previous bar first when the tick starts a new one. */
    public void onTick(final int s, final long ts, final double price, final double size, final BarOutput out)
    {
        final long barStart = Math.floorDiv(ts, interval) * interval;
        if (barStart != start[s])
        {
            complete(s, out);
            start[s] = barStart;
            open[s] = price;
            high[s] = price;
            low[s] = price;
            volume[s] = 0;
            priceVolume[s] = 0;
            trades[s] = 0;
        }
        high[s] = Math.max(high[s], price);
        low[s] = Math.min(low[s], price);
        close[s] = price;
        volume[s] += size;
        priceVolume[s] += price * size;
        trades[s]++;
    }

    /** Completes every open bar (the end of a replay). */
    public void completeAll(final BarOutput out)
    {
        for (int s = 0; s < start.length; s++)
        {
            complete(s, out);
            start[s] = Long.MIN_VALUE;
        }
    }

    /**
     * Completes the symbol's open bar now, before a tick of a later bar arrives (a model's bar closing at
     * the same boundary needs this bar's bar signals first); a no-op when it has none open.
     */
    public void completeSymbol(final int s, final BarOutput out)
    {
        complete(s, out);
        start[s] = Long.MIN_VALUE;
    }

    private void complete(final int s, final BarOutput out)
    {
        if (start[s] != Long.MIN_VALUE)
        {
            out.bar(s, interval, start[s], open[s], high[s], low[s], close[s], volume[s], trades[s],
                volume[s] > 0 ? priceVolume[s] / volume[s] : Double.NaN);
        }
    }

    /** The interval's name in {@code bars_ohlcv.interval}. */
    public static String intervalName(final long intervalMicros)
    {
        if (intervalMicros == ONE_MINUTE)
        {
            return "1m";
        }
        if (intervalMicros == FIVE_MINUTES)
        {
            return "5m";
        }
        if (intervalMicros == ONE_HOUR)
        {
            return "1h";
        }
        return (intervalMicros / Micros.PER_SECOND) + "s";
    }
}
