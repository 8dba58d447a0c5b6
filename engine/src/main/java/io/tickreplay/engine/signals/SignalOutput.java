package io.tickreplay.engine.signals;

/**
 * Receives computed signal values: which calculator ({@code signalId}, its index in the run's
 * {@link SignalSet}), for which symbol and tick, the value and up to three numbers that explain it
 * (named by the calculator's {@link SignalCalculator#metadataKeys()}; NaN when unused). Called on
 * the calculating thread; must not keep references.
 */
@FunctionalInterface
public interface SignalOutput
{
    void signal(int signalId, int symbolId, long tsMicros, int seq, double value, double m1, double m2, double m3);
}
