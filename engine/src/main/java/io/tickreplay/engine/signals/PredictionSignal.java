package io.tickreplay.engine.signals;

import io.tickreplay.engine.models.ModelSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A model's predictions as the writers and sinks name a run's signals (they take them as calculators):
 * {@code pred_<name>}, no metadata, its parameters those of the model. Computed by the chain's model
 * stage at bar closes, never by a tick.
 */
public final class PredictionSignal implements SignalCalculator
{
    private final ModelSpec model;

    public PredictionSignal(final ModelSpec model)
    {
        this.model = model;
    }

    public ModelSpec model()
    {
        return model;
    }

    /** A run's signals as its sinks name them: the calculators, then one prediction signal per model. */
    public static List<SignalCalculator> withModels(final List<SignalCalculator> calculators, final List<ModelSpec> models)
    {
        final List<SignalCalculator> all = new ArrayList<>(calculators);
        models.forEach(m -> all.add(new PredictionSignal(m)));
        return List.copyOf(all);
    }

    @Override
    public String name()
    {
        return model.signalName();
    }

    @Override
    public List<String> metadataKeys()
    {
        return List.of();
    }

    @Override
    public Map<String, Object> parameters()
    {
        return model.parameters();
    }

    @Override
    public void onTick(final int symbolId, final long tsMicros, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final int signalId, final SignalOutput out)
    {
    }
}
