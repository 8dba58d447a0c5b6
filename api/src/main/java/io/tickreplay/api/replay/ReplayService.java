package io.tickreplay.api.replay;

import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.ChronicleTickJournal;
import io.tickreplay.adapters.chronicle.JournalLayout;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.chronicle.JournalTruncation;
import io.tickreplay.adapters.csv.CsvSignalFile;
import io.tickreplay.adapters.parquet.ParquetSignalFile;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PgBarWriter;
import io.tickreplay.adapters.postgres.PgSignalWriter;
import io.tickreplay.adapters.postgres.PgTickSource;
import io.tickreplay.adapters.postgres.ReplayCheckpointStore;
import io.tickreplay.adapters.postgres.SignalWarmup;
import io.tickreplay.adapters.files.SignalFile;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.bus.LagGate;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.topology.ReplayTopology;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Runs replays: each one a {@code job_runs} row ({@code tick_replay}) and a {@link ReplayTopology} of
 * its own, several at once up to {@code replay.max-concurrent}. Starting one is four steps: a
 * {@link Plan} (window, signals, warm-up), the job row, the resources the run writes with (source,
 * journal, sinks) handed to the topology, and the start. It writes each run's progress to its row
 * about once a second, registers the seed's metrics per run and removes them a while after the run
 * ends. Thread-safe: the CLI and the HTTP API share one.
 *
 * <p>A run from the database into the signals table (or no sink) records a checkpoint every
 * {@code replay.checkpoint-interval} in {@code replay_checkpoints}; {@link #resume} continues a run that
 * failed, was cancelled or whose process died from its last one, under the same run id (docs/replay.md, "Resume").
 */
public final class ReplayService implements AutoCloseable
{
    public static final String JOB_NAME = "tick_replay";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);

    private final Database db;
    private final JobLifecycle<ReplayRun> lifecycle;
    private final Buses buses;
    private final boolean ownsBuses;
    private final ReplayMetrics metrics;
    private final SignalMetrics signalMetrics;
    private final Context config;
    private final ReplayCheckpointStore checkpoints;
    private final io.tickreplay.adapters.postgres.ReplayTelemetryStore telemetry;
    private static final com.fasterxml.jackson.databind.ObjectMapper TELEMETRY_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private final Map<Long, ReplayCheckpoint> unsaved = new java.util.concurrent.ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private volatile boolean closed;
    private final Map<Long, java.util.concurrent.CompletableFuture<Optional<ReplayRun>>> recoveries = new java.util.concurrent.ConcurrentHashMap<>();

    /** Replays to {@code bus} (in-process) by default, and to Kafka or Redis when a request or the configuration says so. */
    public ReplayService(final Database db, final io.tickreplay.engine.bus.InProcessBus bus, final MeterRegistry registry, final Context config)
    {
        this(db, new Buses(bus, Buses.Settings.defaults(), registry), true, registry, config);
    }

    public ReplayService(final Database db, final Buses buses, final MeterRegistry registry, final Context config)
    {
        this(db, buses, false, registry, config);
    }

    private ReplayService(final Database db, final Buses buses, final boolean ownsBuses, final MeterRegistry registry, final Context config)
    {
        this.db = db;
        this.config = config.conclude();
        this.lifecycle = new JobLifecycle<>(new JobRunStore(db.dataSource()), JOB_NAME);
        this.checkpoints = new ReplayCheckpointStore(db.dataSource());
        this.telemetry = new io.tickreplay.adapters.postgres.ReplayTelemetryStore(db.dataSource());
        this.buses = buses;
        this.ownsBuses = ownsBuses;
        this.metrics = new ReplayMetrics(registry);
        this.signalMetrics = new SignalMetrics(registry);
    }

    public JobRunStore jobs()
    {
        return lifecycle.store();
    }

    public Context config()
    {
        return config;
    }

    /** What a request resolves to before anything is written; {@code resumeFrom} is the checkpoint a resumed run goes on from. */
    record Plan(String provider, List<String> requested, SymbolTable symbols, Instant start, Instant end, double speed, Long fromJournal, boolean journaling,
        List<String> signals, long warmFromMicros, String sink, BusSpec bus, Long maxLag, ReplayCheckpoint resumeFrom, List<PlannedSource> sources)
    {
        Plan(final String provider, final List<String> requested, final SymbolTable symbols, final Instant start, final Instant end, final double speed,
            final Long fromJournal, final boolean journaling, final List<String> signals, final long warmFromMicros, final String sink, final BusSpec bus,
            final Long maxLag, final ReplayCheckpoint resumeFrom)
        {
            this(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFromMicros, sink, bus, maxLag, resumeFrom, null);
        }

        boolean toTable()
        {
            return !signals.isEmpty() && sink.equals("postgres");
        }

        /** A run whose writes a checkpoint can vouch for: from the database, into the tables or nowhere (a file is written whole at the end). */
        boolean resumable()
        {
            return fromJournal == null && sources == null && (sink.equals("postgres") || sink.equals("none") || signals.isEmpty());
        }

        Plan resuming(final ReplayCheckpoint checkpoint, final long warmFrom)
        {
            return new Plan(provider, requested, symbols, start, end, speed, fromJournal, journaling, signals, warmFrom, sink, bus, maxLag, checkpoint);
        }
    }

    /** Why a run cannot be resumed from a checkpoint (it completed, it has none, it wrote a file): the API's 409. */
    public static final class ResumeRefused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ResumeRefused(final String message)
        {
            super(message);
        }
    }

    /** Starts a replay and returns at once; {@link ReplayRun#done()} completes when it has ended. */
    public ReplayRun start(final ReplayRequest request) throws SQLException, IOException
    {
        return start(request, Map.of());
    }

    /**
     * Starts a replay whose job's metadata also holds {@code extraMetadata} from its first row (a scheduled
     * run's {@code schedule_id}: the row is never seen without it).
     */
    public ReplayRun start(final ReplayRequest request, final Map<String, Object> extraMetadata) throws SQLException, IOException
    {
        request.validate();
        if (lifecycle.activeCount() >= config.maxConcurrent)
        {
            throw new ReplayLimitException(config.maxConcurrent); // before any planning work; checked again below
        }
        // planned outside the lock: a plan reads the database (warm-up) and may read Parquet files (a source's symbols),
        // which must not hold up every other start, resume and scheduled fire; it changes nothing of the service
        final Plan plan = plan(request);
        synchronized (this)
        {
            if (lifecycle.activeCount() >= config.maxConcurrent)
            {
                throw new ReplayLimitException(config.maxConcurrent);
            }
            buses.connect(plan.bus()); // a bus that cannot be reached refuses the start before there is a job
            final Map<String, Object> metadata = metadata(plan);
            metadata.putAll(extraMetadata);
            final long runId = lifecycle.begin(plan.provider(), plan.requested(), plan.start(), metadata);
            return launch(plan, runId);
        }
    }

    /**
     * Continues run {@code runId} from its last checkpoint, under its id, and returns at once: a run that
     * failed, was cancelled, or is still {@code running} in the table while no process runs it (killed).
     * It reads the ticks after the checkpoint and, as warm-up, those its signals and its open bars need
     * before it; it emits from the first tick time after the checkpoint, continues the checksum and
     * the journal, and its job ends as the run would have.
     *
     * @param speed null: the run's own speed
     * @throws ResumeRefused when the run completed, has no checkpoint, or did not write to the tables
     */
    public ReplayRun resume(final long runId, final Double speed) throws SQLException, IOException
    {
        synchronized (this)
        {
            if (lifecycle.active(runId).isPresent())
            {
                throw new ResumeRefused("replay run " + runId + " is running in this process: it has nothing to resume from");
            }
            final JobRunStore.JobRun job = lifecycle.store().find(runId).filter(j -> JOB_NAME.equals(j.jobName()))
                .orElseThrow(() -> new ResumeRefused("there is no replay run " + runId));
            if (job.status().equals("completed"))
            {
                throw new ResumeRefused("replay run " + runId + " completed: there is nothing to resume");
            }
            if (job.metadata().containsKey("sources"))
            {
                throw new ResumeRefused("replay run " + runId + " replayed several sources, which keep no checkpoints: it cannot be resumed; replay it again");
            }
            final ReplayCheckpoint checkpoint = checkpoints.find(runId)
                .orElseThrow(() -> new ResumeRefused("replay run " + runId + " (" + job.status() + ") has no checkpoint to resume from: replay its window again"));
            if (lifecycle.activeCount() >= config.maxConcurrent)
            {
                throw new ReplayLimitException(config.maxConcurrent);
            }
            final Plan plan = resumePlan(job, checkpoint, speed);
            buses.connect(plan.bus());
            final Map<String, Object> resumed = new LinkedHashMap<>();
            resumed.put("resumes", ((Number)job.metadata().getOrDefault("resumes", 0)).intValue() + 1);
            resumed.put("resumed_from", Map.of("ticks", checkpoint.ticks(), "ts", Micros.toInstant(checkpoint.lastTsMicros()).toString(),
                "status", job.status()));
            resumed.put("speed", plan.speed());
            lifecycle.reopen(runId, resumed);
            return launch(plan, runId);
        }
    }

    /** The plan of the run's job row, going on from {@code checkpoint}. */
    private Plan resumePlan(final JobRunStore.JobRun job, final ReplayCheckpoint checkpoint, final Double speed) throws SQLException
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
                maxLag == null ? null : maxLag.longValue()), false).validate();
        final Plan whole = plan(request);
        if (!whole.resumable() || !"database".equals(m.get("source")))
        {
            throw new ResumeRefused("replay run " + job.id() + " replayed " + ("database".equals(m.get("source")) ? "into " + sink : "a journal") +
                ": only a run from the database into the signals table (or none) can be resumed; replay it again");
        }
        // the warm-up the signals need before the resume point, from a whole hour so that every bar the re-read
        // completes is whole; never earlier than the run's own warm-up began (its signals saw nothing before)
        final long at = checkpoint.resumeFromMicros();
        final long signalsFrom = signals.isEmpty() ? at
            : SignalWarmup.from(db.dataSource(), whole.provider(), whole.requested(), at, SignalSet.of(signals, 1).calculators());
        final long hour = 3_600L * Micros.PER_SECOND;
        final long warmFrom = Math.max(whole.warmFromMicros(), Math.floorDiv(Math.min(signalsFrom, at), hour) * hour);
        return whole.resuming(checkpoint, warmFrom);
    }

    /** Opens what the planned run needs, builds its topology and starts it; on a failure closes what it opened and fails the job. */
    private ReplayRun launch(final Plan plan, final long runId) throws SQLException, IOException
    {
        final Resources resources = new Resources();
        ReplayTopology topology = null;
        try
        {
            resources.open(plan, runId);
            final RunTelemetry telemetry = new RunTelemetry();
            topology = new ReplayTopology(topology(plan, resources, runId, telemetry));
            telemetry.lag(topology.pacer().lagRecorder());
            final ReplayRun run = new ReplayRun(runId, plan.provider(), plan.symbols(), topology, plan.speed(), telemetry, plan.start(), plan.end());
            if (resources.gate != null)
            {
                run.control().onCancel(resources.gate::close);
            }
            lifecycle.running(runId, run);
            lifecycle.store().mergeMetadata(runId, Map.of("threading_mode", topology.threadingMode().name().toLowerCase(java.util.Locale.ROOT)));
            metrics.remove(run); // a resumed run's earlier series, still kept after it ended, would hold the old run's gauges
            metrics.register(run);
            metrics.registerInternals(run, ringGauges(topology), resources.journal == null ? null : resources.journal::bytesWritten);
            if (topology.threadingMode() != ReplayTopology.ThreadingMode.INVOKER)
            {
                topology.start();
            }
            progressWriter();
            final Thread completer = new Thread(() -> complete(run, plan, resources), "replay-" + runId + "-completion");
            completer.setDaemon(true);
            completer.start();
            return run;
        }
        catch (final IOException | RuntimeException | SQLException | Error e)
        {
            // close what was built, in reverse: threads first, then what they wrote to
            CloseHelper.quietClose(topology);
            resources.closeAll(e);
            lifecycle.fail(runId, "could not start: " + e.getMessage(), 0, null, e);
            throw e;
        }
    }

    private Plan plan(final ReplayRequest request) throws SQLException
    {
        final List<String> signals = SignalSet.of(request.signals() == null ? config.signals : request.signals(), 1)
            .calculators().stream().map(SignalCalculator::name).toList();
        final String sink = request.sink() == null ? "postgres" : request.sink();
        if (request.fromJournal() != null)
        {
            final JournalManifest manifest;
            try
            {
                manifest = JournalManifest.read(journalDirectory(request.fromJournal()));
            }
            catch (final IOException e)
            {
                throw new ReplayRequest.InvalidField("from_journal", "no journal of run " + request.fromJournal() + " in " + config.journalDir + ": " +
                    e.getMessage());
            }
            if (!"completed".equals(manifest.status()))
            {
                refusePartial(request, manifest);
            }
            final Instant start = Instant.parse(manifest.start());
            final BusSpec bus = bus(request);
            requireTopicForSeveralProviders(List.of(manifest.provider().split(",")), bus);
            return new Plan(manifest.provider(), manifest.symbols(), manifest.symbolTable(), start, Instant.parse(manifest.end()), request.speed(),
                request.fromJournal(), false, signals, Micros.of(start), sink, bus, request.bus().maxLag(), null);
        }
        if (request.severalSources())
        {
            return planSources(request, signals, sink);
        }
        final SymbolTable symbols = new SymbolTable(request.symbols());
        // a replay that starts mid-day first reads what its signals need, without emitting it (spec: warm-up)
        final long warmFrom = signals.isEmpty() ? Micros.of(request.start())
            : SignalWarmup.from(db.dataSource(), request.provider(), request.symbols(), Micros.of(request.start()), SignalSet.of(signals, 1).calculators());
        final boolean journaling = request.journal() == null ? config.journal : request.journal();
        return new Plan(request.provider(), request.symbols(), symbols, request.start(), request.end(), request.speed(), null, journaling, signals, warmFrom,
            sink, bus(request), request.bus().maxLag(), null);
    }

    /**
     * A replay over several sources: each source's symbols (a Parquet source's from its files when it names
     * none), the run's table of (provider, symbol) keys in source order, and each database source's own
     * warm-up, as a one-source replay of it would read.
     */
    private Plan planSources(final ReplayRequest request, final List<String> signals, final String sink) throws SQLException
    {
        final List<PlannedSource> planned = new ArrayList<>();
        final long start = Micros.of(request.start());
        for (int i = 0; i < request.sources().size(); i++)
        {
            final ReplaySource source = request.sources().get(i);
            if (source.isParquet())
            {
                planned.add(ParquetSources.plan(source, i, start, signals));
                continue;
            }
            final long warmFrom = signals.isEmpty() ? start
                : SignalWarmup.from(db.dataSource(), source.provider(), source.symbols(), start, SignalSet.of(signals, 1).calculators());
            planned.add(new PlannedSource(source, source.symbols(), List.of(), warmFrom));
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
        final boolean journaling = request.journal() == null ? config.journal : request.journal();
        return new Plan(String.join(",", providers), symbols.names().stream().distinct().toList(), symbols, request.start(), request.end(), request.speed(),
            null, journaling, signals, warmFrom, sink, bus, request.bus().maxLag(), null, planned);
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
            contents = JournalContents.read(journalDirectory(request.fromJournal()), manifest);
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
            return config.bus.with(c.kind(), c.url(), c.topic());
        }
        catch (final IllegalArgumentException e)
        {
            final String field = e.getMessage().startsWith("topic") ? "topic" : e.getMessage().startsWith("a ") ? "bus_url" : "bus";
            throw new ReplayRequest.InvalidField(field, e.getMessage());
        }
    }

    private Map<String, Object> metadata(final Plan plan)
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
        // what a resume needs to plan the same run again
        final Map<String, Object> request = new LinkedHashMap<>();
        request.put("sink", plan.sink());
        request.put("bus", plan.bus().kind());
        request.put("bus_url", plan.bus().url());
        request.put("topic", plan.bus().topic());
        request.put("max_lag", plan.maxLag());
        metadata.put("request", request);
        return metadata;
    }

    /** What one run reads from and writes to, opened in order and closed together (Aeron's CloseHelper). */
    private final class Resources
    {
        TickBus bus;
        TickBus rawBus;
        LagGate gate;
        TickBatchSource source;
        ChronicleTickJournal journal;
        JournalManifest manifest;
        SignalFile file;
        final List<PgSignalWriter> writers = new ArrayList<>();
        PgBarWriter bars;
        final List<SignalSink> sinks = new ArrayList<>();

        void open(final Plan plan, final long runId) throws IOException, SQLException
        {
            rawBus = buses.forRun(plan.bus(), plan.provider(), runId);
            bus = rawBus;
            if (plan.maxLag() != null && !plan.bus().isInProcess())
            {
                // hold the burst back while the consumers reading the topic are too far behind
                gate = new LagGate(plan.maxLag(), () -> buses.consumerLag(plan.bus(), plan.provider(), db.dataSource(), plan.maxLag() + 1),
                    "replay-" + runId + "-lag").start();
                bus = gate.gate(rawBus);
            }
            if (plan.fromJournal() != null)
            {
                source = new ChronicleJournalSource(journalDirectory(plan.fromJournal()), plan.symbols().size());
            }
            else
            {
                source = plan.sources() != null ? mergedSource(plan, runId)
                    : new PgTickSource(db.dataSource(), plan.provider(), plan.symbols(), plan.warmFromMicros(), Micros.of(plan.end()),
                    new PgTickSource.Options().batchSize(config.batchSize).targetChunkRows(config.chunkRows).applicationName("tickreplay-replay-" + runId));
                if (plan.journaling() && plan.resumeFrom() != null)
                {
                    openResumedJournal(plan, runId);
                }
                else if (plan.journaling())
                {
                    final Path dir = journalDirectory(runId);
                    journal = new ChronicleTickJournal(dir);
                    manifest = new JournalManifest(JournalManifest.FORMAT, JournalLayout.VERSION, runId, plan.provider(), plan.symbols().names(),
                        plan.start().toString(), plan.end().toString(), plan.speed(), describeQuery(plan), "running", 0, null, null, null,
                        Instant.now().toString(), null, plan.symbols().providers(),
                        plan.sources() == null ? null : plan.sources().stream().map(PlannedSource::describe).toList());
                    manifest.write(dir);
                    lifecycle.store().mergeMetadata(runId, Map.of("journal", dir.toAbsolutePath().toString()));
                }
            }
            if (plan.signals().isEmpty())
            {
                return;
            }
            final List<SignalCalculator> calculators = SignalSet.of(plan.signals(), 1).calculators();
            if (plan.toTable())
            {
                // nothing of this run's keys in the table yet: COPY straight in (the merge stays as the fallback)
                final boolean straight = plan.resumeFrom() == null && !signalsExist(plan); // a resumed run rewrites rows past its checkpoint
                for (int shard = 0; shard < config.shards; shard++)
                {
                    final PgSignalWriter writer = new PgSignalWriter(db.dataSource(), plan.provider(), plan.symbols(), calculators, "replay", runId,
                        config.signalBatchRows, config.signalBatchMillis, System::nanoTime, signalMetrics.listener(plan.signals()))
                        .metadata(config.signalMetadata);
                    writer.direct(straight);
                    writers.add(writer);
                    sinks.add(writer);
                }
                bars = new PgBarWriter(db.dataSource(), plan.provider(), plan.symbols());
                return;
            }
            if (!plan.sink().equals("none"))
            {
                file = openFile(Path.of(plan.sink()), plan, calculators, runId);
            }
            for (int shard = 0; shard < config.shards; shard++)
            {
                sinks.add(file == null ? SignalSink.DISCARD : file.shard());
            }
        }

        /**
         * One reader per source, each over its own symbols from its own warm-up (a database source its own
         * thread and connection), merged in (ts, source order, symbol, seq): the ids of source {@code s} start
         * where the previous source's end, as in {@link SymbolTable#ofSources}.
         */
        private TickBatchSource mergedSource(final Plan plan, final long runId)
        {
            final List<TickBatchSource> readers = new ArrayList<>();
            final int[] firstId = new int[plan.sources().size()];
            int next = 0;
            try
            {
                for (int i = 0; i < plan.sources().size(); i++)
                {
                    final PlannedSource p = plan.sources().get(i);
                    firstId[i] = next;
                    final SymbolTable own = new SymbolTable(p.symbols());
                    next += own.size();
                    readers.add(p.spec().isParquet() ? ParquetSources.open(p, own, Micros.of(plan.end()))
                        : new PgTickSource(db.dataSource(), p.spec().provider(), own, p.warmFromMicros(), Micros.of(plan.end()),
                            new PgTickSource.Options().batchSize(config.batchSize).targetChunkRows(config.chunkRows)
                                .applicationName("tickreplay-replay-" + runId + "-" + i)));
                }
            }
            catch (final RuntimeException e)
            {
                readers.forEach(CloseHelper::quietClose);
                throw e;
            }
            return new io.tickreplay.engine.replay.MergedTickSource(readers, firstId, config.batchSize);
        }

        /**
         * The run's journal, cut back to the checkpoint (it may hold ticks journaled after it, before the
         * run died) and reopened for appending: at the end it holds the whole run once. A run whose
         * journal is gone resumes without one.
         */
        void openResumedJournal(final Plan plan, final long runId) throws IOException, SQLException
        {
            final Path dir = journalDirectory(runId);
            final JournalManifest old;
            try
            {
                old = JournalManifest.read(dir);
            }
            catch (final IOException e)
            {
                LOG.warn("replay {} resumes without a journal: {}", runId, e.getMessage());
                lifecycle.store().mergeMetadata(runId, Map.of("journal_resumed", "none: " + e.getMessage()));
                return;
            }
            final long kept = JournalTruncation.keepUpTo(dir, plan.symbols().size(), plan.resumeFrom().lastTsMicros());
            manifest = old.withOutcome("running", 0, null, null, null, null);
            manifest.write(dir);
            journal = new ChronicleTickJournal(dir);
            lifecycle.store().mergeMetadata(runId, Map.of("journal_resumed_after_ticks", kept));
        }

        /** Closes everything opened, adding what fails to close to {@code cause} as suppressed. */
        void closeAll(final Throwable cause)
        {
            final List<AutoCloseable> all = new ArrayList<>();
            all.add(gate);
            all.add(rawBus instanceof AutoCloseable c ? c : null);
            all.add(source);
            all.addAll(writers);
            all.add(bars);
            all.add(file);
            all.add(journal);
            for (final AutoCloseable c : all)
            {
                try
                {
                    if (c != null)
                    {
                        c.close();
                    }
                }
                catch (final Exception e)
                {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    /** The api picks the file writer by the sink's extension: the adapters do not name each other. */
    private static SignalFile openFile(final Path target, final Plan plan, final List<SignalCalculator> calculators, final long runId)
        throws IOException
    {
        final FileFormat format = FileFormat.fromFileName(target.getFileName().toString());
        if (format == null)
        {
            throw new ReplayRequest.InvalidField("sink", "a signals file must end in " + FileFormat.EXTENSIONS + ": " + target);
        }
        return format == FileFormat.PARQUET ? new ParquetSignalFile(target, plan.provider(), plan.symbols(), calculators, "replay", runId)
            : new CsvSignalFile(target, format == FileFormat.CSV_GZ, plan.provider(), plan.symbols(), calculators, "replay", runId);
    }

    private ReplayTopology.Context topology(final Plan plan, final Resources r, final long runId, final RunTelemetry telemetry)
    {
        return config.topology().copy()
            .source(r.source, plan.symbols())
            .run(plan.provider(), runId)
            .speed(plan.speed())
            .window(Micros.of(plan.start()), Micros.of(plan.end()))
            .bus(r.bus)
            .journal(r.journal)
            .signals(plan.signals(), r.sinks)
            .bars(r.bars)
            .stageLatency(telemetry.stageLatency(metrics.stageLatency()))
            .timings((signalId, nanos) -> signalMetrics.computed(plan.signals().get(signalId), nanos))
            .checkpoints(checkpoint -> noteCheckpoint(runId, checkpoint), plan.resumable() ? config.checkpointIntervalNanos : 0)
            .resumeFrom(plan.resumeFrom())
            .threadName("replay-" + runId);
    }

    /**
     * On the thread of the run's last writer to commit: only noted here, the progress thread upserts it
     * (within {@code replay.progress-interval-ms}, and at the run's end). Saving it on the writer's thread
     * held the writer, and so the whole burst, while it waited for a pooled connection the run's own
     * reader and writers were holding.
     */
    private void noteCheckpoint(final long runId, final ReplayCheckpoint checkpoint)
    {
        unsaved.merge(runId, checkpoint, (a, b) -> b.ticks() >= a.ticks() ? b : a);
    }

    /** Upserts the run's newest unsaved checkpoint, if any: a lost one only means a resume re-reads more. */
    private void saveCheckpoint(final long runId)
    {
        final ReplayCheckpoint checkpoint = unsaved.remove(runId);
        if (checkpoint == null)
        {
            return;
        }
        try
        {
            checkpoints.save(runId, checkpoint);
        }
        catch (final SQLException | RuntimeException e)
        {
            LOG.warn("replay {}: checkpoint at {} ticks not saved: {}", runId, checkpoint.ticks(), e.getMessage());
        }
    }

    private static Map<String, LongSupplier> ringGauges(final ReplayTopology topology)
    {
        final Map<String, LongSupplier> gauges = new LinkedHashMap<>();
        gauges.put("ticks", topology::ringRemaining);
        final List<SignalRing> rings = topology.signalRings();
        for (int i = 0; i < rings.size(); i++)
        {
            final SignalRing ring = rings.get(i);
            gauges.put("signals-" + i, () -> ring.size() - ring.backlog());
        }
        return gauges;
    }

    private boolean signalsExist(final Plan plan) throws SQLException
    {
        if (plan.sources() != null)
        {
            for (final PlannedSource p : plan.sources())
            {
                if (signalsExist(plan, p.spec().provider(), p.symbols()))
                {
                    return true;
                }
            }
            return false;
        }
        return signalsExist(plan, plan.provider(), plan.symbols().names());
    }

    private boolean signalsExist(final Plan plan, final String provider, final List<String> symbols) throws SQLException
    {
        try (var c = db.connection();
             var probe = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM signals WHERE provider = ? AND symbol = ANY(?) AND name = ANY(?) AND ts >= ? AND ts < ?)"))
        {
            probe.setString(1, provider);
            probe.setArray(2, c.createArrayOf("text", symbols.toArray()));
            probe.setArray(3, c.createArrayOf("text", plan.signals().toArray()));
            probe.setObject(4, java.time.OffsetDateTime.ofInstant(plan.start(), java.time.ZoneOffset.UTC));
            probe.setObject(5, java.time.OffsetDateTime.ofInstant(plan.end(), java.time.ZoneOffset.UTC));
            try (var rs = probe.executeQuery())
            {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void complete(final ReplayRun run, final Plan plan, final Resources r)
    {
        ReplayOutcome outcome = null;
        final ReplayTopology topology = run.topology();
        try
        {
            outcome = topology.threadingMode() == ReplayTopology.ThreadingMode.INVOKER ? topology.run()
                : topology.awaitCompletion(Long.MAX_VALUE, TimeUnit.DAYS);
            topology.close();
            if (r.gate != null)
            {
                r.gate.close();
            }
            if (r.rawBus instanceof AutoCloseable c)
            {
                c.close();
            }
            r.writers.forEach(PgSignalWriter::close);
            if (r.bars != null)
            {
                r.bars.close();
            }
            if (outcome.status() == ReplayOutcome.Status.FAILED)
            {
                run.progress().error();
            }
            saveCheckpoint(run.runId()); // before the row says the run ended: a resume then finds its last checkpoint
            run.telemetry().sample(System.currentTimeMillis(), outcome.ticks());
            saveTelemetry(run);
            final String status = statusName(outcome.status());
            final Map<String, Object> metadata = outcomeMetadata(run, outcome, plan, r);
            if (r.file != null && outcome.status() == ReplayOutcome.Status.COMPLETED)
            {
                r.file.commit();
                metadata.put("signals_file", r.file.path().toAbsolutePath().toString());
                metadata.put("signals_written", r.file.rows());
            }
            if (r.journal != null)
            {
                r.journal.close();
                metadata.put("journal_bytes", r.journal.bytesWritten());
                metadata.put("journal_path", journalDirectory(run.runId()).toAbsolutePath().toString());
                r.manifest.withOutcome(status, outcome.ticks(), outcome.checksumHex(), tsOrNull(outcome.firstTsMicros()),
                    tsOrNull(outcome.lastTsMicros()), Instant.now().toString()).write(journalDirectory(run.runId()));
            }
            lifecycle.finish(run.runId(), status, outcome.ticks(), instantOrNull(outcome.lastTsMicros()), outcome.errorMessage(), metadata);
        }
        catch (final Exception e)
        {
            LOG.error("replay {} could not be finalised: {}", run.runId(), e.getMessage(), e);
            lifecycle.fail(run.runId(), "could not finalise: " + e.getMessage(), run.progress().emitted(),
                instantOrNull(run.progress().lastTsMicros()), e);
        }
        finally
        {
            if (r.file != null)
            {
                r.file.close(); // after a commit only the (already moved) temporary file is gone; otherwise no partial file stays
            }
            lifecycle.ended(run.runId());
            scheduler.schedule(() ->
            {
                if (lifecycle.active(run.runId()).isEmpty()) // not resumed meanwhile under the same id
                {
                    metrics.remove(run);
                }
            }, config.metricsRetentionMinutes, TimeUnit.MINUTES);
            if (outcome != null)
            {
                // the recovery is registered before the run is seen to end, so that whoever waits on the run finds it
                final boolean recover = outcome.status() == ReplayOutcome.Status.FAILED && plan.resumable() && config.outageGraceNanos > 0 &&
                    !closed && lostDatabase(outcome.errorMessage());
                final java.util.concurrent.CompletableFuture<Optional<ReplayRun>> recovery = new java.util.concurrent.CompletableFuture<>();
                if (recover)
                {
                    recoveries.put(run.runId(), recovery);
                }
                run.completion().complete(outcome);
                if (recover)
                {
                    recoverAfterOutage(run.runId(), recovery);
                }
            }
            else
            {
                run.completion().completeExceptionally(new IllegalStateException("replay " + run.runId() + " did not end cleanly"));
            }
        }
    }

    /** Keeps what the cockpit draws of the run once it has ended; a loss only costs the drilldown its charts. */
    private void saveTelemetry(final ReplayRun run)
    {
        try
        {
            telemetry.save(run.runId(), TELEMETRY_JSON.writeValueAsString(run.telemetry().timeline()),
                TELEMETRY_JSON.writeValueAsString(run.telemetry().latency(true)));
        }
        catch (final SQLException | java.io.IOException | RuntimeException e)
        {
            LOG.warn("replay {}: its timeline and latency histograms were not saved: {}", run.runId(), e.getMessage());
        }
    }

    /** What the cockpit draws of a run: live from the run while it is active, else as saved when it ended. */
    public record TelemetryView(boolean live, com.fasterxml.jackson.databind.JsonNode timeline, com.fasterxml.jackson.databind.JsonNode latency)
    {
    }

    /**
     * The run's timeline and latency (percentiles, without the histograms themselves); empty when this
     * process does not run it and nothing was saved (a run that ended before telemetry existed, or is unknown).
     */
    public Optional<TelemetryView> telemetry(final long runId) throws SQLException, java.io.IOException
    {
        final Optional<ReplayRun> active = lifecycle.active(runId);
        if (active.isPresent())
        {
            final RunTelemetry t = active.get().telemetry();
            return Optional.of(new TelemetryView(true, TELEMETRY_JSON.valueToTree(t.timeline()), TELEMETRY_JSON.valueToTree(t.latency(false))));
        }
        final Optional<io.tickreplay.adapters.postgres.ReplayTelemetryStore.Telemetry> saved = telemetry.find(runId);
        if (saved.isEmpty())
        {
            return Optional.empty();
        }
        final com.fasterxml.jackson.databind.node.ObjectNode latency = (com.fasterxml.jackson.databind.node.ObjectNode)TELEMETRY_JSON.readTree(saved.get().latency());
        latency.forEach(stage -> ((com.fasterxml.jackson.databind.node.ObjectNode)stage).remove("hdr"));
        return Optional.of(new TelemetryView(false, TELEMETRY_JSON.readTree(saved.get().timeline()), latency));
    }

    /** A stage's latency distribution of the run as an {@code .hgrm} (microseconds); empty when there is none. */
    public Optional<String> hgrm(final long runId, final String stage) throws SQLException, java.io.IOException
    {
        final Optional<ReplayRun> active = lifecycle.active(runId);
        if (active.isPresent())
        {
            return Optional.ofNullable(active.get().telemetry().total(stage)).map(RunTelemetry::hgrm);
        }
        final Optional<io.tickreplay.adapters.postgres.ReplayTelemetryStore.Telemetry> saved = telemetry.find(runId);
        if (saved.isEmpty())
        {
            return Optional.empty();
        }
        final com.fasterxml.jackson.databind.JsonNode hdr = TELEMETRY_JSON.readTree(saved.get().latency()).path(stage).path("hdr");
        return hdr.isTextual() ? Optional.of(RunTelemetry.hgrm(RunTelemetry.decode(hdr.asText()))) : Optional.empty();
    }

    /** Whether a run's failure is the database going away (not a bad row or a bug): the driver's and the pool's words for it. */
    static boolean lostDatabase(final String message)
    {
        if (message == null)
        {
            return false;
        }
        final String m = message.toLowerCase(java.util.Locale.ROOT);
        return m.contains("database connection failed") || m.contains("i/o error occurred") || m.contains("connection refused") ||
            m.contains("terminating connection") || m.contains("connection is not available") || m.contains("this connection has been closed") ||
            m.contains("connection attempt failed") || m.contains("the database system is");
    }

    /**
     * {@code db.outage-grace}: a run failed because the database went away is resumed from its last
     * checkpoint, under its id, if the database answers again within the grace; otherwise it stays failed
     * (and can still be resumed by hand). One daemon thread per such run, for the grace at most.
     */
    private void recoverAfterOutage(final long runId, final java.util.concurrent.CompletableFuture<Optional<ReplayRun>> recovery)
    {
        final Thread thread = new Thread(() ->
        {
            final long deadline = System.nanoTime() + config.outageGraceNanos;
            ReplayRun resumed = null;
            try
            {
                LOG.warn("replay {} lost its database: it resumes from its last checkpoint if the database answers within {} s (db.outage-grace)",
                    runId, TimeUnit.NANOSECONDS.toSeconds(config.outageGraceNanos));
                while (!db.health().state().up() && !recovery.isDone())
                {
                    if (System.nanoTime() - deadline > 0)
                    {
                        LOG.warn("replay {} stays failed: the database did not answer within db.outage-grace", runId);
                        return;
                    }
                    Thread.sleep(250);
                }
                while (lifecycle.pendingRows() > 0 && System.nanoTime() - deadline < 0 && !recovery.isDone())
                {
                    Thread.sleep(100); // its failed row first, so that the resume finds the run ended
                }
                if (closed || recovery.isDone())
                {
                    return; // the service is stopping, or the waiter gave up: the run stays failed, resumable by hand
                }
                resumed = resume(runId, null);
                LOG.warn("replay {} resumed from its last checkpoint: the database answers again", runId);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            catch (final Exception e)
            {
                LOG.warn("replay {} could not be resumed after the outage: {}; it stays failed", runId, e.getMessage());
            }
            finally
            {
                recoveries.remove(runId, recovery);
                recovery.complete(Optional.ofNullable(resumed));
            }
        }, "replay-" + runId + "-recovery");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * A run failed by a lost database that waits for it to answer again ({@code db.outage-grace}): the
     * future ends with the resumed run (same id), or empty if it stays failed. Cancelling the future gives
     * up the wait. Empty when no such wait is going on.
     */
    public Optional<java.util.concurrent.CompletableFuture<Optional<ReplayRun>>> recovery(final long runId)
    {
        return Optional.ofNullable(recoveries.get(runId));
    }

    private static Map<String, Object> outcomeMetadata(final ReplayRun run, final ReplayOutcome outcome, final Plan plan, final Resources r)
    {
        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("ticks", outcome.ticks());
        metadata.put("checksum", outcome.checksumHex());
        metadata.put("elapsed_seconds", Math.round(outcome.elapsedNanos() / 1e6) / 1e3);
        metadata.put("ticks_per_second", Math.round(outcome.ticksPerSecond()));
        final Histogram lag = run.telemetry().lagTotal();
        if (lag.getTotalCount() > 0)
        {
            metadata.put("lag_ms", Map.of(
                "p50", lag.getValueAtPercentile(50) / 1e3,
                "p99", lag.getValueAtPercentile(99) / 1e3,
                "p99_9", lag.getValueAtPercentile(99.9) / 1e3,
                "max", lag.getMaxValue() / 1e3));
        }
        metadata.put("speed_final", run.control().speed());
        if (!r.writers.isEmpty())
        {
            final Map<String, Object> written = new LinkedHashMap<>();
            for (int i = 0; i < plan.signals().size(); i++)
            {
                final int id = i;
                written.put(plan.signals().get(i), r.writers.stream().mapToLong(w -> w.written(id)).sum());
            }
            metadata.put("signals_written", written);
        }
        if (r.bars != null)
        {
            metadata.put("bars_written", r.bars.written());
        }
        return metadata;
    }

    private synchronized void progressWriter()
    {
        if (scheduler == null)
        {
            scheduler = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "replay-progress");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleAtFixedRate(this::writeProgress, config.progressIntervalMillis, config.progressIntervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void writeProgress()
    {
        for (final ReplayRun run : lifecycle.active())
        {
            saveCheckpoint(run.runId());
            run.telemetry().sample(System.currentTimeMillis(), run.progress().emitted());
            try
            {
                lifecycle.store().progress(run.runId(), run.progress().emitted(), instantOrNull(run.progress().lastTsMicros()),
                    run.control().paused() ? "paused" : "running");
            }
            catch (final SQLException | RuntimeException e)
            {
                LOG.warn("could not write the progress of replay {}: {}", run.runId(), e.getMessage());
            }
        }
    }

    public Optional<ReplayRun> active(final long runId)
    {
        return lifecycle.active(runId);
    }

    public List<ReplayRun> activeRuns()
    {
        return lifecycle.active();
    }

    public Path journalDirectory(final long runId)
    {
        return config.journalDir.resolve(String.valueOf(runId));
    }

    @Override
    public void close()
    {
        closed = true;
        for (final ReplayRun run : lifecycle.active())
        {
            run.control().cancel();
        }
        for (final ReplayRun run : lifecycle.active())
        {
            try
            {
                run.done().get(30, TimeUnit.SECONDS);
            }
            catch (final Exception e)
            {
                LOG.warn("replay {} did not stop within 30 s", run.runId());
            }
        }
        synchronized (this)
        {
            if (scheduler != null)
            {
                scheduler.shutdownNow();
            }
        }
        if (ownsBuses)
        {
            buses.close();
        }
    }

    public static String statusName(final ReplayOutcome.Status status)
    {
        return switch (status)
        {
            case COMPLETED -> "completed";
            case CANCELLED -> "cancelled";
            case FAILED -> "failed";
        };
    }

    private static String describeQuery(final Plan plan)
    {
        if (plan.sources() != null)
        {
            return "merge of " + plan.sources().size() + " sources in the order (ts, source, symbol, seq) over [" + plan.start() + ", " + plan.end() + ")";
        }
        return "tick_data WHERE provider = '" + plan.provider() + "' AND symbol IN (" + String.join(",", plan.symbols().names()) + ") AND ts >= '" +
            plan.start() + "' AND ts < '" + plan.end() + "' ORDER BY ts, symbol, seq";
    }

    private static String tsOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros).toString();
    }

    private static Instant instantOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros);
    }

    /**
     * The replay settings ({@code replay.*} and {@code signals.*} in the configuration), with fluent
     * setters and a {@link #conclude()} that checks them all (Aeron's context idiom); the defaults are
     * those of {@code config/tickreplay.conf}.
     */
    public static final class Context
    {
        private int maxConcurrent = 4;
        private boolean journal = true;
        private Path journalDir = Path.of("data", "journal");
        private Path importDir = Path.of("data", "imports");
        private int ticksRingSize = 1 << 16;
        private String waitStrategy = "backoff";
        private String threadingMode = "auto";
        private int batchSize = 8192;
        private int chunkRows = 262_144;
        private long progressIntervalMillis = 1000;
        private long checkpointIntervalNanos = 5_000_000_000L;
        private long outageGraceNanos = 30_000_000_000L;
        private long metricsRetentionMinutes = 5;
        private List<String> signals = List.of("all");
        private int shards = 2;
        private int signalBatchRows = 200;
        private long signalBatchMillis = 5000;
        private int signalsRingSize = 16_384;
        private SignalMetadata.Mode signalMetadata = SignalMetadata.Mode.FULL;
        private int cores = Runtime.getRuntime().availableProcessors();
        private BusSpec bus = BusSpec.inProcess();
        private ReplayTopology.Context topology;

        public Context maxConcurrent(final int n)
        {
            this.maxConcurrent = n;
            return this;
        }

        public Context journal(final boolean journal)
        {
            this.journal = journal;
            return this;
        }

        public Context journalDir(final Path dir)
        {
            this.journalDir = dir;
            return this;
        }

        /** {@code replay.import-dir}: where the API's Parquet sources may be (the CLI's anywhere). */
        public Context importDir(final Path dir)
        {
            this.importDir = dir;
            return this;
        }

        public Path importDir()
        {
            return importDir;
        }

        public Context ticksRingSize(final int size)
        {
            this.ticksRingSize = size;
            return this;
        }

        public Context waitStrategy(final String name)
        {
            this.waitStrategy = name;
            return this;
        }

        /** {@code auto}, {@code dedicated}, {@code shared} or {@code invoker}. */
        public Context threadingMode(final String mode)
        {
            this.threadingMode = mode;
            return this;
        }

        public Context batchSize(final int size)
        {
            this.batchSize = size;
            return this;
        }

        public Context chunkRows(final int rows)
        {
            this.chunkRows = rows;
            return this;
        }

        public Context progressIntervalMillis(final long millis)
        {
            this.progressIntervalMillis = millis;
            return this;
        }

        /** {@code db.outage-grace}: how long a run failed by a lost database waits for it to answer again, then resumes (0: never). */
        public Context outageGrace(final java.time.Duration grace)
        {
            this.outageGraceNanos = grace.toNanos();
            return this;
        }

        /** {@code replay.checkpoint-interval}: how often a run records where it is (0: never; it cannot be resumed then). */
        public Context checkpointInterval(final java.time.Duration interval)
        {
            this.checkpointIntervalNanos = interval.toNanos();
            return this;
        }

        public Context metricsRetentionMinutes(final long minutes)
        {
            this.metricsRetentionMinutes = minutes;
            return this;
        }

        /** What a request that names none computes: names, {@code all} or {@code none}. */
        public Context signals(final List<String> names)
        {
            this.signals = List.copyOf(names);
            return this;
        }

        public Context shards(final int shards)
        {
            this.shards = shards;
            return this;
        }

        public Context signalBatch(final int rows, final long millis)
        {
            this.signalBatchRows = rows;
            this.signalBatchMillis = millis;
            return this;
        }

        public Context signalsRingSize(final int size)
        {
            this.signalsRingSize = size;
            return this;
        }

        public Context signalMetadata(final SignalMetadata.Mode mode)
        {
            this.signalMetadata = mode;
            return this;
        }

        /** The bus a request that names none publishes to ({@code bus.*}). */
        public Context bus(final BusSpec spec)
        {
            this.bus = spec;
            return this;
        }

        public BusSpec bus()
        {
            return bus;
        }

        /** The cores runs share, for the threading mode and the wait strategy's check (the JVM's by default). */
        public Context cores(final int cores)
        {
            this.cores = cores;
            return this;
        }

        public int maxConcurrent()
        {
            return maxConcurrent;
        }

        public List<String> signals()
        {
            return signals;
        }

        public Path journalDir()
        {
            return journalDir;
        }

        /** The topology settings every run of this service starts from (a copy each; each run concludes its own). */
        public ReplayTopology.Context topology()
        {
            return topology;
        }

        /** Checks every setting; throws {@link IllegalArgumentException} naming the one that is wrong. */
        public Context conclude()
        {
            if (maxConcurrent < 1)
            {
                throw new IllegalArgumentException("replay.max-concurrent must be >= 1, was " + maxConcurrent);
            }
            if (shards < 1 || Integer.bitCount(shards) != 1)
            {
                throw new IllegalArgumentException("signals.shards must be a power of two >= 1, was " + shards);
            }
            if (signalBatchRows < 1 || signalBatchMillis < 1)
            {
                throw new IllegalArgumentException("signals.batch-rows and signals.batch-ms must be >= 1");
            }
            if (checkpointIntervalNanos < 0)
            {
                throw new IllegalArgumentException("replay.checkpoint-interval must be >= 0 (0: no checkpoints)");
            }
            if (chunkRows < 1 || progressIntervalMillis < 1 || metricsRetentionMinutes < 0)
            {
                throw new IllegalArgumentException("replay.chunk-rows and replay.progress-interval-ms must be >= 1, replay.metrics-retention-minutes >= 0");
            }
            try
            {
                SignalSet.of(signals, 1);
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException("signals.default: " + e.getMessage());
            }
            try
            {
                topology = new ReplayTopology.Context().ticksRingSize(ticksRingSize).signalsRingSize(signalsRingSize).batchSize(batchSize)
                    .waitStrategy(waitStrategy).threadingMode(ReplayTopology.ThreadingMode.parse(threadingMode)).cores(cores);
                // each run concludes its own copy, for the threads it really starts; this checks the rest now
                topology.copy().conclude();
            }
            catch (final IllegalArgumentException e)
            {
                throw new IllegalArgumentException("replay: " + e.getMessage());
            }
            return this;
        }
    }
}
