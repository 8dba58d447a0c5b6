package io.tickreplay.api.replay;

import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.SignalWarmup;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.request.CloseMatches;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * The first step of a run: a request (or a run's job row and checkpoint) resolved into a
 * {@link ReplayPlan}, with nothing written. It reads the database for the signals' warm-up and may
 * read Parquet files for a source's symbols, so it runs outside the service's lock. Stateless but for
 * its settings; thread-safe.
 */
final class ReplayPlanner
{
    private final DataSource dataSource;
    private final ReplayService.Context config;
    private final ModelRegistry models;

    ReplayPlanner(final DataSource dataSource, final ReplayService.Context config, final ModelRegistry models)
    {
        this.dataSource = dataSource;
        this.config = config;
        this.models = models;
    }

    ReplayPlan plan(final ReplayRequest request) throws SQLException
    {
        if (request.models() == null || request.models().isEmpty())
        {
            return planWindow(request).withMaxGap(request.maxGap());
        }
        final List<ModelSpec> specs = models.specs(request.models(), "models");
        // the signals the models read are computed (and kept) with the run's own
        final List<String> signals = ModelRegistry.signalsFor(SignalSet.of(request.signals() == null ? config.signals() : request.signals(), 1)
            .calculators().stream().map(SignalCalculator::name).toList(), specs);
        if (signals.isEmpty())
        {
            throw new ReplayRequest.InvalidField("models", "models run in the signal chain, and this run computes no signal: name one in signals " +
                "(its models read only bar columns)");
        }
        return planWindow(request.withSignals(signals)).withMaxGap(request.maxGap()).withModels(specs);
    }

    private ReplayPlan planWindow(final ReplayRequest request) throws SQLException
    {
        final List<String> signals = SignalSet.of(request.signals() == null ? config.signals() : request.signals(), 1)
            .calculators().stream().map(SignalCalculator::name).toList();
        final String sink = request.sink() == null ? "postgres" : request.sink();
        if (request.fromJournal() != null)
        {
            return fromJournal(request, signals, sink);
        }
        if (request.severalSources())
        {
            return planSources(request, signals, sink);
        }
        requireInStore("provider", "symbols", request.provider(), request.symbols());
        final SymbolTable symbols = new SymbolTable(request.symbols());
        // a replay that starts mid-day first reads what its signals need, without emitting it (spec: warm-up)
        final long warmFrom = warmFrom(request.provider(), request.symbols(), Micros.of(request.start()), signals);
        final boolean journaling = request.journal() == null ? config.journaling() : request.journal();
        return new ReplayPlan(request.provider(), request.symbols(), symbols, request.start(), request.end(), request.speed(), null, journaling, signals,
            warmFrom, sink, bus(request), request.bus().maxLag(), null);
    }

    private ReplayPlan fromJournal(final ReplayRequest request, final List<String> signals, final String sink)
    {
        final JournalManifest manifest;
        try
        {
            manifest = JournalManifest.read(config.journalDirectory(request.fromJournal()));
        }
        catch (final IOException e)
        {
            throw new ReplayRequest.InvalidField("from_journal", "no journal of run " + request.fromJournal() + " in " + config.journalDir() + ": " +
                e.getMessage());
        }
        if (!"completed".equals(manifest.status()))
        {
            refusePartial(request, manifest);
        }
        final Instant start = Instant.parse(manifest.start());
        final BusSpec bus = bus(request);
        requireTopicForSeveralProviders(List.of(manifest.provider().split(",")), bus);
        return new ReplayPlan(manifest.provider(), manifest.symbols(), manifest.symbolTable(), start, Instant.parse(manifest.end()), request.speed(),
            request.fromJournal(), false, signals, Micros.of(start), sink, bus, request.bus().maxLag(), null);
    }

    /** Where the signals' state must start reading for a window from {@code startMicros}: its start when there are none. */
    private long warmFrom(final String provider, final List<String> symbols, final long startMicros, final List<String> signals) throws SQLException
    {
        return signals.isEmpty() ? startMicros : SignalWarmup.from(dataSource, provider, symbols, startMicros, SignalSet.of(signals, 1).calculators());
    }

    /**
     * A replay over several sources: each source's symbols (a Parquet source's from its files when it names
     * none), the run's table of (provider, symbol) keys in source order, and each database source's own
     * warm-up, as a one-source replay of it would read.
     */
    private ReplayPlan planSources(final ReplayRequest request, final List<String> signals, final String sink) throws SQLException
    {
        final List<PlannedSource> planned = new ArrayList<>();
        final long start = Micros.of(request.start());
        for (int i = 0; i < request.sources().size(); i++)
        {
            final ReplaySource source = request.sources().get(i);
            if (!source.isParquet())
            {
                requireInStore("sources", "sources", source.provider(), source.symbols());
            }
            planned.add(source.isParquet() ? ParquetSources.plan(source, i, start, signals)
                : new PlannedSource(source, source.symbols(), List.of(), warmFrom(source.provider(), source.symbols(), start, signals)));
        }
        final SymbolTable symbols;
        try
        {
            symbols = SymbolTable.ofSources(planned.stream().map(p -> p.spec().provider()).toList(), planned.stream().map(PlannedSource::symbols).toList());
        }
        catch (final IllegalArgumentException e)
        {
            throw new ReplayRequest.InvalidField("sources", e.getMessage() + ": each (provider, symbol) may come from one source only");
        }
        final List<String> providers = planned.stream().map(p -> p.spec().provider()).distinct().toList();
        final BusSpec bus = bus(request);
        requireTopicForSeveralProviders(providers, bus);
        final long warmFrom = planned.stream().mapToLong(PlannedSource::warmFromMicros).min().orElse(start);
        final boolean journaling = request.journal() == null ? config.journaling() : request.journal();
        return new ReplayPlan(String.join(",", providers), symbols.names().stream().distinct().toList(), symbols, request.start(), request.end(),
            request.speed(), null, journaling, signals, warmFrom, sink, bus, request.bus().maxLag(), null, planned);
    }

    /**
     * The plan of a run's job row, going on from {@code checkpoint}.
     *
     * @throws ReplayService.ResumeRefused when the run did not read the database into the tables (or nowhere)
     */
    ReplayPlan resume(final JobRunStore.JobRun job, final ReplayCheckpoint checkpoint, final Double speed) throws SQLException
    {
        final Map<String, Object> m = job.metadata();
        @SuppressWarnings("unchecked")
        final Map<String, Object> asked = (Map<String, Object>)m.getOrDefault("request", Map.of());
        final String sink = (String)asked.getOrDefault("sink", "postgres");
        @SuppressWarnings("unchecked")
        final List<String> signals = (List<String>)m.getOrDefault("signals", List.of());
        final Number maxLag = (Number)asked.get("max_lag");
        final ReplayRequest request = new ReplayRequest(job.provider(), job.symbols(), job.minTs(), Instant.parse((String)m.get("end")),
            speed == null ? ((Number)m.get("speed")).doubleValue() : speed, null, m.containsKey("journal"), signals.isEmpty() ? List.of("none") : signals,
            sink, new ReplayRequest.BusChoice((String)asked.get("bus"), (String)asked.get("bus_url"), (String)asked.get("topic"),
                maxLag == null ? null : maxLag.longValue()), false).withMaxGap(ReplayRequest.gap("max_gap", (String)asked.get("max_gap")))
            .withModels(models(m)).validate();
        final ReplayPlan whole = plan(request);
        if (!whole.resumable() || !"database".equals(m.get("source")))
        {
            throw new ReplayService.ResumeRefused("replay run " + job.id() + " replayed " + ("database".equals(m.get("source")) ? "into " + sink : "a journal") +
                ": only a run from the database into the signals table (or none) can be resumed; replay it again");
        }
        // the warm-up the signals need before the resume point, from a whole hour so that every bar the re-read
        // completes is whole; never earlier than the run's own warm-up began (its signals saw nothing before)
        final long at = checkpoint.resumeFromMicros();
        final long signalsFrom = warmFrom(whole.provider(), whole.requested(), at, signals);
        final long hour = 3_600L * Micros.PER_SECOND;
        final long warmFrom = Math.max(whole.warmFromMicros(), Math.floorDiv(Math.min(signalsFrom, at), hour) * hour);
        // a model's state is every bar of the window before the resume point: it is rebuilt by reading them again
        // (deterministic, so the predictions from the checkpoint on are an uninterrupted run's); rows already written are merged
        return whole.resuming(checkpoint, whole.models().isEmpty() ? warmFrom : whole.warmFromMicros());
    }

    @SuppressWarnings("unchecked")
    private static List<String> models(final Map<String, Object> metadata)
    {
        return (List<String>)metadata.get("models");
    }

    /**
     * A provider or symbols the store does not hold (a typo, another case: names are compared byte for
     * byte) are refused before any job row, naming them with the close names the store has; a known
     * symbol whose window holds no ticks is a run of 0 ticks, as asked.
     */
    private void requireInStore(final String providerField, final String symbolsField, final String provider, final List<String> symbols)
        throws SQLException
    {
        final TickStore store = new TickStore(dataSource);
        final List<String> missing = store.missing(provider, symbols);
        if (missing.isEmpty())
        {
            return;
        }
        if (missing.size() == symbols.size())
        {
            final List<String> providers = store.providers();
            if (!providers.contains(provider))
            {
                throw new ReplayRequest.InvalidField(providerField, "provider " + provider + " is not in the store" + CloseMatches.hint(provider, providers) +
                    (providers.isEmpty() ? ": tick_data is empty (./tickreplay generate or import fills it)" : "; it holds " + String.join(", ", first(providers))));
            }
        }
        final List<String> known = store.symbols(provider);
        final StringBuilder b = new StringBuilder();
        for (final String m : missing)
        {
            b.append(b.length() == 0 ? "" : "; ").append(m).append(CloseMatches.hint(m, known));
        }
        throw new ReplayRequest.InvalidField(symbolsField, (missing.size() == 1 ? "symbol " : "symbols ") + "not in the store for provider " + provider +
            ": " + b + "; it holds " + String.join(", ", first(known)));
    }

    private static List<String> first(final List<String> names)
    {
        return names.size() <= 20 ? names : List.of(String.join(", ", names.subList(0, 20)), "... (" + names.size() + " in all)");
    }

    /** The default topic, {@code ticks.<provider>}, names one provider: a stream of several needs one given (also when replayed from its journal). */
    private static void requireTopicForSeveralProviders(final List<String> providers, final BusSpec bus)
    {
        if (providers.size() > 1 && !bus.isInProcess() && bus.topic().isEmpty())
        {
            throw new ReplayRequest.InvalidField("topic", "a replay over several providers (" + String.join(",", providers) + ") to " + bus.kind() +
                " needs a topic: the default ticks.<provider> names one provider");
        }
    }

    /**
     * A journal whose run did not complete holds a prefix of its window: replaying it as if whole would
     * report {@code completed} for a part. Refused, saying how much it holds, unless the request allows it.
     */
    private void refusePartial(final ReplayRequest request, final JournalManifest manifest)
    {
        final JournalContents contents;
        try
        {
            contents = JournalContents.read(config.journalDirectory(request.fromJournal()), manifest);
        }
        catch (final IOException e)
        {
            throw new ReplayRequest.InvalidField("from_journal", "the journal of run " + request.fromJournal() + " cannot be read: " + e.getMessage());
        }
        if (contents.state() == JournalContents.State.CORRUPT)
        {
            throw new ReplayRequest.InvalidField("from_journal", "the journal of run " + request.fromJournal() + " differs from its manifest (" +
                contents.ticks() + " ticks, manifest " + manifest.ticks() + "): run tickreplay journal verify " + request.fromJournal());
        }
        if (!request.allowPartial())
        {
            throw new ReplayRequest.InvalidField("from_journal", "the journal of run " + request.fromJournal() + " is incomplete: " + contents.why() +
                "; " + contents.describe() + ". Replay it anyway with --allow-partial (API: \"allow_partial\": true)");
        }
    }

    /** The configured bus with the request's choices over it; a wrong choice is the request's field. */
    private BusSpec bus(final ReplayRequest request)
    {
        final ReplayRequest.BusChoice c = request.bus();
        try
        {
            return config.bus().with(c.kind(), c.url(), c.topic());
        }
        catch (final IllegalArgumentException e)
        {
            final String field = e.getMessage().startsWith("topic") ? "topic" : e.getMessage().startsWith("a ") ? "bus_url" : "bus";
            throw new ReplayRequest.InvalidField(field, e.getMessage());
        }
    }

    /** The job row's first metadata: what the run is, and what a resume needs to plan the same run again. */
    static Map<String, Object> jobMetadata(final ReplayPlan plan)
    {
        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("speed", plan.speed());
        metadata.put("end", plan.end().toString());
        metadata.put("source", plan.fromJournal() != null ? "journal" : "database");
        if (plan.fromJournal() != null)
        {
            metadata.put("journal_of", plan.fromJournal());
        }
        metadata.put("signals", plan.signals());
        if (!plan.models().isEmpty())
        {
            metadata.put("models", plan.models().stream().map(ModelSpec::name).toList());
        }
        if (plan.sources() != null)
        {
            metadata.put("sources", plan.sources().stream().map(PlannedSource::describe).toList());
        }
        metadata.put("bus", plan.bus().describe(plan.provider()));
        if (plan.warmFromMicros() < Micros.of(plan.start()))
        {
            // Long.MIN_VALUE: a Parquet source's bar signals warm up from its files' first tick, whenever that is
            metadata.put("warmup_from", plan.warmFromMicros() == Long.MIN_VALUE ? "the files' first tick" : Micros.toInstant(plan.warmFromMicros()).toString());
        }
        final Map<String, Object> request = new LinkedHashMap<>();
        request.put("sink", plan.sink());
        request.put("bus", plan.bus().kind());
        request.put("bus_url", plan.bus().url());
        request.put("topic", plan.bus().topic());
        request.put("max_lag", plan.maxLag());
        if (plan.maxGap() != null)
        {
            request.put("max_gap", ReplayRequest.gapText(plan.maxGap()));
            metadata.put("max_gap", ReplayRequest.gapText(plan.maxGap()));
        }
        metadata.put("request", request);
        return metadata;
    }
}
