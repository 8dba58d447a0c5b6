package io.tickreplay.engine.features;

import java.io.IOException;

/**
 * Receives the rows of a feature set (docs/features.md), one per (symbol, bar), in bar order per
 * symbol. NaN means null. The arrays are the builder's own and reused for the next row: copy what
 * must outlive the call. Called on the builder's thread.
 */
@FunctionalInterface
public interface FeatureRows
{
    /**
     * @param barStartMicros the bar's start
     * @param signals        one value per signal column, in {@link FeatureBuilder#signalNames()} order
     * @param labels         one forward log return per horizon, in {@link FeatureBuilder#horizons()} order
     */
    void row(long barStartMicros, double open, double high, double low, double close, double volume, long trades, double vwap, double[] signals,
        double[] labels) throws IOException;
}
