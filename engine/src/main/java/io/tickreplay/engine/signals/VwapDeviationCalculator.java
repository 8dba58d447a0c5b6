package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** {@code vwap_deviation_bps}: the tick's price against the symbol's VWAP since 00:00 UTC of its day. */
public final class VwapDeviationCalculator implements SignalCalculator
{
    private final long[] day;
    private final double[] sumPriceSize;
    private final double[] sumSize;

    public VwapDeviationCalculator(final int symbols)
    {
        day = new long[symbols];
        Arrays.fill(day, Long.MIN_VALUE);
        sumPriceSize = new double[symbols];
        sumSize = new double[symbols];
    }

    @Override
    public String name()
    {
        return "vwap_deviation_bps";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("vwap", "day_volume");
    }

    @Override
    public Map<String, Object> parameters()
    {
        return Map.of("window", "utc_day", "scale", SpreadCalculator.BPS);
    }

    /** The day's VWAP starts at 00:00 UTC. */
    @Override
    public long warmupFrom(final long startMicros)
    {
        return Micros.startOfUtcDay(startMicros);
    }

    @Override
    public void onTick(final int s, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
        final long d = Micros.utcDay(ts);
        if (d != day[s])
        {
            day[s] = d;
            sumPriceSize[s] = 0;
            sumSize[s] = 0;
        }
        sumPriceSize[s] += price * size;
        sumSize[s] += size;
        if (sumSize[s] > 0)
        {
            final double vwap = sumPriceSize[s] / sumSize[s];
            out.signal(signalId, s, ts, seq, (price - vwap) / vwap * SpreadCalculator.BPS, vwap, sumSize[s], Double.NaN);
        }
    }
}
