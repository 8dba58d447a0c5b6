package io.tickreplay.engine.models;

/**
 * A model as the signal chain runs it (docs/models.md): at the close of each bar of its interval inside
 * the run's window, in (ts, symbol) order, the bar's features in, one prediction out. State per symbol;
 * one instance per chain, on the chain's thread; allocation-free per bar.
 */
@FunctionalInterface
public interface Predictor
{
    /**
     * @param close    the bar's close
     * @param features the model's features in declared order; NaN for a null of the feature row
     * @return the prediction, NaN for none (a missing feature)
     */
    double predict(int symbolId, double close, double[] features);

    /** The {@code online-linear} model of the spec as a predictor: it learns at each call, before predicting. */
    static Predictor of(final OnlineLinearModel model)
    {
        return model::onBarClose;
    }
}
