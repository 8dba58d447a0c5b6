package io.tickreplay.engine.models;

import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A model a run computes: its name (its rows are the signal {@code pred_<name>}), the bars it predicts
 * at the close of, how many bars ahead, the feature-row columns it reads in order, and how a chain
 * makes its predictor for a number of symbols. {@code parameters} describe it in a run's manifest
 * (type, version, sha256, lambda, delta).
 */
public record ModelSpec(String name, long intervalMicros, int horizon, List<String> features, Map<String, Object> parameters,
    IntFunction<Predictor> predictors)
{
    public ModelSpec
    {
        features = List.copyOf(features);
        parameters = Map.copyOf(parameters);
        if (features.isEmpty())
        {
            throw new IllegalArgumentException("model " + name + " reads no feature");
        }
        if (horizon < 1)
        {
            throw new IllegalArgumentException("model " + name + ": horizon must be >= 1 bar, was " + horizon);
        }
    }

    /** The signal of its predictions. */
    public String signalName()
    {
        return "pred_" + name;
    }
}
