package io.tickreplay.engine.signals;

import java.util.List;
import java.util.Map;

/**
 * One signal's definition (docs/signals.md) with its per-symbol state in primitive arrays indexed by
 * symbol id. A calculator sees a symbol's ticks in (ts, seq) order, on one thread, and allocates
 * nothing per tick. Adding a signal is a class implementing this (or {@link BarSignalCalculator})
 * plus a line in {@link SignalSet#REGISTRY}.
 */
public interface SignalCalculator
{
    /** The signal's name in the {@code signals} table. */
    String name();

    /** Names of the metadata numbers m1, m2, m3 it passes to {@link SignalOutput}. */
    List<String> metadataKeys();

    /**
     * The constants its definition fixes (periods, windows, bucket counts, scales), by name, for a run's
     * manifest: a change to one is a change of the signal's output that its name alone would not show.
     * Empty when it has none. Called once per run, never per tick.
     */
    default Map<String, Object> parameters()
    {
        return Map.of();
    }

    /**
     * Where reading must begin for this signal's values from {@code startMicros} on to be what a replay
     * from the beginning of the data would give (spec: warm-up); {@code startMicros} when it keeps no
     * state over time.
     */
    default long warmupFrom(final long startMicros)
    {
        return startMicros;
    }

    /** One-minute bars this signal needs before the start (bar signals: 50 x their period), 0 for none. */
    default int warmupBars()
    {
        return 0;
    }

    /**
     * Folds in one accepted tick (price finite and > 0, size finite and >= 0; absent optional values
     * NaN) and emits this signal's value for it, if the definition says there is one.
     */
    void onTick(int symbolId, long tsMicros, int seq, double price, double size, double bid, double ask, double bidSize, double askSize,
        int signalId, SignalOutput out);
}
