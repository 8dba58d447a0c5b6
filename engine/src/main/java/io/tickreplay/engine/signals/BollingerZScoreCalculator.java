package io.tickreplay.engine.signals;

import java.util.List;

/** {@code bb_zscore_20}: the close against the mean and population sd of the last 20 1-minute closes, two-pass. */
public final class BollingerZScoreCalculator implements BarSignalCalculator
{
    static final int PERIOD = 20;

    private final double[] closes;
    private final long[] bars;

    public BollingerZScoreCalculator(final int symbols)
    {
        closes = new double[symbols * PERIOD];
        bars = new long[symbols];
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
    public int warmupBars()
    {
        return PERIOD * 50;
    }

    @Override
    public void onBar(final int s, final long barStart, final double open, final double high, final double low, final double close,
        final double volume, final long trades, final int signalId, final SignalOutput out)
    {
        final long n = bars[s]++;
        closes[s * PERIOD + (int)(n % PERIOD)] = close;
        if (n + 1 < PERIOD)
        {
            return;
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
        if (sd > 0)
        {
            out.signal(signalId, s, barStart, 0, (close - mean) / sd, mean, sd, close);
        }
    }
}
