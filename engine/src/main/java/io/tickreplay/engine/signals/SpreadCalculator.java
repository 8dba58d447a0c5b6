package io.tickreplay.engine.signals;

import java.util.List;
import java.util.Map;

/** {@code spread_bps}: the quoted spread over the mid; stateless. */
public final class SpreadCalculator implements SignalCalculator
{
    /** Basis points per unit. */
    static final int BPS = 10_000;

    @Override
    public String name()
    {
        return "spread_bps";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("mid", "bid", "ask");
    }

    @Override
    public Map<String, Object> parameters()
    {
        return Map.of("scale", BPS);
    }

    @Override
    public void onTick(final int s, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
        if (bid > 0 && ask > 0 && ask >= bid)
        {
            final double mid = (ask + bid) / 2;
            out.signal(signalId, s, ts, seq, (ask - bid) / mid * BPS, mid, bid, ask);
        }
    }
}
