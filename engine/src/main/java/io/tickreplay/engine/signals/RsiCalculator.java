package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code rsi_14}: Wilder's RSI over 1-minute bar closes, seeded with simple means of the first 14 gains and losses. */
public final class RsiCalculator implements BarSignalCalculator
{
    static final int PERIOD = 14;

    private final double[] lastClose;
    private final long[] bars;
    private final double[] avgGain;
    private final double[] avgLoss;

    public RsiCalculator(final int symbols)
    {
        lastClose = new double[symbols];
        bars = new long[symbols];
        avgGain = new double[symbols];
        avgLoss = new double[symbols];
        Arrays.fill(lastClose, Double.NaN);
    }

    @Override
    public String name()
    {
        return "rsi_14";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("avg_gain", "avg_loss", "close");
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
        final long n = ++bars[s];
        if (n == 1)
        {
            lastClose[s] = close;
            return;
        }
        final double change = close - lastClose[s];
        lastClose[s] = close;
        final double gain = Math.max(change, 0);
        final double loss = Math.max(-change, 0);
        if (n <= PERIOD + 1)
        {
            // bars 2..15 carry changes 1..14: summed oldest first, divided once at the 15th bar
            avgGain[s] += gain;
            avgLoss[s] += loss;
            if (n < PERIOD + 1)
            {
                return;
            }
            avgGain[s] /= PERIOD;
            avgLoss[s] /= PERIOD;
        }
        else
        {
            avgGain[s] = (avgGain[s] * (PERIOD - 1) + gain) / PERIOD;
            avgLoss[s] = (avgLoss[s] * (PERIOD - 1) + loss) / PERIOD;
        }
        final double rsi = avgLoss[s] == 0 ? 100 : 100 - 100 / (1 + avgGain[s] / avgLoss[s]);
        out.signal(signalId, s, barStart, 0, rsi, avgGain[s], avgLoss[s], close);
    }
}
