package io.tickreplay.engine.signals;

import java.util.List;

/** {@code book_imbalance}: (bid_size - ask_size) / (bid_size + ask_size); stateless. */
public final class BookImbalanceCalculator implements SignalCalculator
{
    @Override
    public String name()
    {
        return "book_imbalance";
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of("bid_size", "ask_size");
    }

    @Override
    public void onTick(final int s, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
        // absent sizes are NaN: every comparison with NaN is false
        if (bidSize >= 0 && askSize >= 0 && bidSize + askSize > 0)
        {
            out.signal(signalId, s, ts, seq, (bidSize - askSize) / (bidSize + askSize), bidSize, askSize, Double.NaN);
        }
    }
}
