package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.List;
import java.util.Map;

/**
 * {@code bb_zscore_20}: the close against the mean and population sd of the last 20 1-minute closes,
 * two-pass. No value when the 20 closes are all equal (exact double equality): their sd is 0 by the
 * definition, whatever rounding makes of the mean (twenty closes of 100.1 sum to a mean of
 * 100.09999999999997 and an sd of 2.8e-14, which would give z = 1). Known without looking at the
 * window: the run of equal closes that ends at the newest one is counted as the closes arrive.
 */
public final class BollingerZScoreCalculator implements BarSignalCalculator
{
    static final int PERIOD = 20;

    private final double[] closes;
    private final long[] bars;
    /** How many consecutive closes, up to and including the newest, equal the newest (capped at {@link #PERIOD}). */
    private final int[] equalRun;

    public BollingerZScoreCalculator(final int symbols)
    {
        closes = new double[symbols * PERIOD];
        bars = new long[symbols];
        equalRun = new int[symbols];
    }

    @Override
    public String name()
    {
        return "bb_zscore_20";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("sma", "sd", "close");
    }

    @Override
    public Map<String, Object> parameters()
    {
        return Map.of("period", PERIOD, "bar_seconds", BarBuilder.ONE_MINUTE / Micros.PER_SECOND, "warmup_bars", warmupBars());
    }

    @Override
    public int warmupBars()
    {
        return PERIOD * 50;
    }

    @Override
    public void onBar(final int s, final long barStart, final double open, final double high, final double low, final double close,
        final double volume, final long trades, final int signalId, final SignalOutput out)
    {
        final long n = bars[s]++;
        if (n > 0 && close == closes[s * PERIOD + (int)((n - 1) % PERIOD)])
        {
            equalRun[s] = Math.min(equalRun[s] + 1, PERIOD);
        }
        else
        {
            equalRun[s] = 1;
        }
        closes[s * PERIOD + (int)(n % PERIOD)] = close;
        if (n + 1 < PERIOD || equalRun[s] == PERIOD)
        {
            return; // warming up, or a flat window: no value
        }
        // oldest first: the slot after the newest
        final int base = s * PERIOD;
        final int oldest = (int)((n + 1) % PERIOD);
        double sum = 0;
        for (int k = 0; k < PERIOD; k++)
        {
            sum += closes[base + (oldest + k) % PERIOD];
        }
        final double mean = sum / PERIOD;
        double squares = 0;
        for (int k = 0; k < PERIOD; k++)
        {
            final double d = closes[base + (oldest + k) % PERIOD] - mean;
            squares += d * d;
        }
        final double sd = Math.sqrt(squares / PERIOD);
        if (sd > 0) // closes that differ so little that the squares underflow give 0 too
        {
            out.signal(signalId, s, barStart, 0, (close - mean) / sd, mean, sd, close);
        }
    }
}
