package io.tickreplay.api.replay;

import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.SymbolTable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a request resolves to before anything is written ({@link ReplayPlanner}): the provider and
 * symbols, the window and speed, where the ticks come from (the database, a journal, several
 * sources), the signals and where their warm-up starts, the sink, the bus; {@code resumeFrom} is the
 * checkpoint a resumed run goes on from. Immutable.
 */
record ReplayPlan(String provider, List<String> requested, SymbolTable symbols, Instant start, Instant end, double speed, Long fromJournal,
    boolean journaling, List<String> signals, long warmFromMicros, String sink, BusSpec bus, Long maxLag, ReplayCheckpoint resumeFrom,
    List<PlannedSource> sources, Duration maxGap, List<ModelSpec> models)
{
    ReplayPlan(final String provider, final List<String> requested, final SymbolTable symbols, final Instant start, final Instant end,
        final double speed, final Long fromJournal, final boolean journaling, final List<String> signals, final long warmFromMicros, final String sink,
        final BusSpec bus, final Long maxLag, final ReplayCheckpoint resumeFrom, final List<PlannedSource> sources, final Duration maxGap)
    {
        this(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom, sources, maxGap,
            List.of());
    }

    /** The same plan with models, whose predictions its signal chain computes ({@code pred_<name>}). */
    ReplayPlan withModels(final List<ModelSpec> specs)
    {
        return new ReplayPlan(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom,
            sources, maxGap, List.copyOf(specs));
    }

    ReplayPlan(final String provider, final List<String> requested, final SymbolTable symbols, final Instant start, final Instant end,
        final double speed, final Long fromJournal, final boolean journaling, final List<String> signals, final long warmFromMicros, final String sink,
        final BusSpec bus, final Long maxLag, final ReplayCheckpoint resumeFrom, final List<PlannedSource> sources)
    {
        this(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom, sources, null);
    }

    /** The same plan pacing gaps longer than {@code gap} as that long. */
    ReplayPlan withMaxGap(final Duration gap)
    {
        return new ReplayPlan(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom,
            sources, gap, models);
    }

    ReplayPlan(final String provider, final List<String> requested, final SymbolTable symbols, final Instant start, final Instant end,
        final double speed, final Long fromJournal, final boolean journaling, final List<String> signals, final long warmFromMicros, final String sink,
        final BusSpec bus, final Long maxLag, final ReplayCheckpoint resumeFrom)
    {
        this(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom, null);
    }

    /** The names of what the run writes by signal id: its signals, then {@code pred_<name>} per model. */
    List<String> written()
    {
        final List<String> all = new ArrayList<>(signals);
        models.forEach(m -> all.add(m.signalName()));
        return List.copyOf(all);
    }

    /** Signals into the {@code signals} table. */
    boolean toTable()
    {
        return (!signals.isEmpty() || !models.isEmpty()) && sink.equals("postgres");
    }

    /** A run whose writes a checkpoint can vouch for: from the database, into the tables or nowhere (a file is written whole at the end). */
    boolean resumable()
    {
        return fromJournal == null && sources == null && (sink.equals("postgres") || sink.equals("none") || signals.isEmpty());
    }

    ReplayPlan resuming(final ReplayCheckpoint checkpoint, final long warmFrom)
    {
        return new ReplayPlan(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFrom, sink, bus, maxLag, checkpoint,
            null, maxGap, models);
    }

    /** What the run reads, in words, for its journal's manifest. */
    String describeQuery()
    {
        if (sources != null)
        {
            return "merge of " + sources.size() + " sources in the order (ts, source, symbol, seq) over [" + start + ", " + end + ")";
        }
        return "tick_data WHERE provider = '" + provider + "' AND symbol IN (" + String.join(",", symbols.names()) + ") AND ts >= '" +
            start + "' AND ts < '" + end + "' ORDER BY ts, symbol, seq";
    }
}
