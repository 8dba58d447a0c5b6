package io.tickreplay.api.export;

import io.tickreplay.adapters.postgres.PgFeatureExporter;
import io.tickreplay.api.replay.ReplayRequest.InvalidField;
import io.tickreplay.engine.signals.SignalSet;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks of a feature set's own fields (docs/features.md), each failure an {@link InvalidField}
 * naming the field: known signals, horizons of 1 to {@link PgFeatureExporter#MAX_HORIZON} bars without
 * repeats, and no {@code since_last} (a feature set's last labels are null only until later bars
 * exist, so an increment would not extend the previous file). Stateless.
 */
final class FeatureChoice
{
    private FeatureChoice()
    {
    }

    static void check(final ExportRequest request)
    {
        if (request.sinceLast())
        {
            throw new InvalidField("since_last", "since_last applies to ticks, bars and signals: a feature set's last labels change as later bars " +
                "arrive, so export the whole window again");
        }
        final List<String> signals = request.featureSignals();
        if (signals.isEmpty())
        {
            throw new InvalidField("signals", "signals must name at least one signal, all or none");
        }
        try
        {
            SignalSet.of(signals, 1);
        }
        catch (final IllegalArgumentException e)
        {
            throw new InvalidField("signals", e.getMessage());
        }
        final List<Integer> horizons = request.horizons() == null ? ExportRequest.DEFAULT_HORIZONS : request.horizons();
        if (horizons.isEmpty())
        {
            throw new InvalidField("horizons", "horizons must name at least one number of bars, e.g. 1,5,15");
        }
        final Set<Integer> seen = new HashSet<>();
        for (final Integer h : horizons)
        {
            if (h == null || h < 1 || h > PgFeatureExporter.MAX_HORIZON)
            {
                throw new InvalidField("horizons", "horizons must be whole numbers of bars from 1 to " + PgFeatureExporter.MAX_HORIZON + ", was " + h);
            }
            if (!seen.add(h))
            {
                throw new InvalidField("horizons", "horizon " + h + " named twice");
            }
        }
    }
}
