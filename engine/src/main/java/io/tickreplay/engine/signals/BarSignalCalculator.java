package io.tickreplay.engine.signals;

/** A signal computed on completed 1-minute bars (docs/signals.md); ticks reach it only as bars. */
public interface BarSignalCalculator extends SignalCalculator
{
    /** A completed 1-minute bar of {@code symbolId}, in bar order. */
    void onBar(int symbolId, long barStartMicros, double open, double high, double low, double close, double volume, long trades,
        int signalId, SignalOutput out);

    @Override
    default void onTick(final int symbolId, final long tsMicros, final int seq, final double price, final double size, final double bid,
        final double ask, final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
    }
}
