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

    /**
     * Copies the symbol's current weights into {@code into} (the intercept first) and returns how many:
     * a model that learns during the run tells what it has learnt; one that does not, 0.
     */
    default int weights(final int symbolId, final double[] into)
    {
        return 0;
    }

    /** How many weights {@link #weights} gives, 0 for a model that does not learn. */
    default int weightCount()
    {
        return 0;
    }

    /** The {@code online-linear} model of the spec as a predictor: it learns at each call, before predicting. */
    static Predictor of(final OnlineLinearModel model)
    {
        return new Predictor()
        {
            @Override
            public double predict(final int symbolId, final double close, final double[] features)
            {
                return model.onBarClose(symbolId, close, features);
            }

            @Override
            public int weights(final int symbolId, final double[] into)
            {
                model.weights(symbolId, into, 0);
                return model.features() + 1;
            }

            @Override
            public int weightCount()
            {
                return model.features() + 1;
            }
        };
    }
}
