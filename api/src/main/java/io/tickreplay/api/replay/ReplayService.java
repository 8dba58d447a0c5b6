package io.tickreplay.api.replay;

import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.ChronicleTickJournal;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.chronicle.JournalLayout;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PgBarWriter;
import io.tickreplay.adapters.postgres.PgSignalWriter;
import io.tickreplay.adapters.postgres.PgTickSource;
import io.tickreplay.adapters.postgres.SignalWarmup;
import io.tickreplay.adapters.sink.SignalFile;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.BusPublishStage;
import io.tickreplay.engine.replay.JournalStage;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayPipeline;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.BarStage;
import io.tickreplay.engine.signals.LastPerTimestamp;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.tick.Micros;
import org.HdrHistogram.Histogram;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs replays: each one a {@code job_runs} row ({@code tick_replay}) and a pipeline of its own,
 * several at once up to {@code replay.max-concurrent}. It writes each run's progess to its row about
 * once a second, journals runs from the database when asked, registers the seed's metrics per run
 * and removes them a while after the run ends. Thread-safe: the CLI and the HTTP API share one.
 */
public final class ReplayService implements AutoCloseable
{
    public static final String JOB_NAME = "tick_replay";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);

    /** The replay settings ({@code replay.*} in the configuration). */
    public record Config(
        int maxConcurrent,
        boolean journal,
        Path journalDir,
        int ringSize,
        String waitStrategy,
        int batchSize,
        int chunkRows,
        long progressIntervalMillis,
        long metricsRetentionMinutes,
        SignalConfig signals)
    {
        public Config(final int maxConcurrent, final boolean journal, final Path journalDir, final int ringSize, final String waitStrategy,
            final int batchSize, final int chunkRows, final long progressIntervalMillis, final long metricsRetentionMinutes)
        {
            this(maxConcurrent, journal, journalDir, ringSize, waitStrategy, batchSize, chunkRows, progressIntervalMillis, metricsRetentionMinutes,
                SignalConfig.busOnly());
        }

        public static Config defaults()
        {
            return new Config(4, true, Path.of("data", "journal"), 1 << 16, "backoff", 8192, 262_144, 1000, 5).withSignals(SignalConfig.standard());
        }

        public Config withSignals(final SignalConfig signalConfig)
        {
            return new Config(maxConcurrent, journal, journalDir, ringSize, waitStrategy, batchSize, chunkRows, progressIntervalMillis,
                metricsRetentionMinutes, signalConfig);
        }
    }

    /** Signals of replays ({@code signals.*}): which by default, how many calculator shards, the writer's batches. */
    public record SignalConfig(List<String> names, int shards, int batchRows, long batchMillis, int ringSize)
    {
        public SignalConfig(final List<String> names, final int shards, final int batchRows, final long batchMillis)
        {
            this(names, shards, batchRows, batchMillis, 16_384);
        }

        /** config/tickreplay.conf's defaults: every signal, two shards, the seed's 200 rows / 5 s. */
        public static SignalConfig standard()
        {
            return new SignalConfig(List.of("all"), 2, 200, 5000);
        }

        /** Requests that do not name signals compute none (benchmarks and tests of the bus path). */
        public static SignalConfig busOnly()
        {
            return new SignalConfig(List.of("none"), 2, 200, 5000);
        }
    }

    private final Database db;
    private final JobRunStore jobs;
    private final TickBus bus;
    private final ReplayMetrics metrics;
    private final SignalMetrics signalMetrics;
    private final Config config;
    private final Map<Long, ReplayRun> active = new ConcurrentHashMap<>();
    private final ScheduledExecutorService scheduler;
    private final String host = host();

    public ReplayService(final Database db, final TickBus bus, final MeterRegistry registry, final Config config)
    {
        this.db = db;
        this.jobs = new JobRunStore(db.dataSource());
        this.bus = bus;
        this.metrics = new ReplayMetrics(registry);
        this.signalMetrics = new SignalMetrics(registry);
        this.config = config;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "replay-progress");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleAtFixedRate(this::writeProgress, config.progressIntervalMillis(), config.progressIntervalMillis(), TimeUnit.MILLISECONDS);
        try
        {
            final int orphans = jobs.failOrphans(JOB_NAME, host);
            if (orphans > 0)
            {
                LOG.warn("marked {} replay(s) left running by an ended process as failed", orphans);
            }
        }
        catch (final SQLException e)
        {
            LOG.warn("could not check for replays left running by an ended process: {}", e.getMessage());
        }
    }

    public JobRunStore jobs()
    {
        return jobs;
    }

    public Config config()
    {
        return config;
    }

    /** Starts a replay and returns at once; {@link ReplayRun#done()} completes when it has ended. */
    public ReplayRun start(final ReplayRequest request) throws SQLException, IOException
    {
        request.validate();
        synchronized (this)
        {
            if (active.size() >= config.maxConcurrent())
            {
                throw new ReplayLimitException(config.maxConcurrent());
            }
            return startLocked(request);
        }
    }

    private ReplayRun startLocked(final ReplayRequest request) throws SQLException, IOException
    {
        final boolean fromJournal = request.fromJournal() != null;
        final String provider;
        final List<String> symbols;
        final Instant start;
        final Instant end;
        JournalManifest sourceManifest = null;
        if (fromJournal)
        {
            final Path dir = journalDirectory(request.fromJournal());
            try
            {
                sourceManifest = JournalManifest.read(dir);
            }
            catch (final IOException e)
            {
                throw new ReplayRequest.InvalidField("from_journal", "no journal of run " + request.fromJournal() + " in " + config.journalDir() + ": " + e.getMessage());
            }
            provider = sourceManifest.provider();
            symbols = sourceManifest.symbols();
            start = Instant.parse(sourceManifest.start());
            end = Instant.parse(sourceManifest.end());
        }
        else
        {
            provider = request.provider();
            symbols = request.symbols();
            start = request.start();
            end = request.end();
        }
        final SymbolTable table = new SymbolTable(symbols);
        final List<String> signalNames = SignalSet.of(request.signals() == null ? config.signals().names() : request.signals(), 1)
            .calculators().stream().map(SignalCalculator::name).toList();
        final boolean journaling = !fromJournal && (request.journal() == null ? config.journal() : request.journal());
        // a replay that starts mid-day first reads what its signals need, without emitting it (spec: warm-up)
        final long warmFrom = fromJournal || signalNames.isEmpty() ? Micros.of(start)
            : SignalWarmup.from(db.dataSource(), provider, symbols, Micros.of(start), SignalSet.of(signalNames, 1).calculators());

        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("speed", request.speed());
        metadata.put("end", end.toString());
        metadata.put("source", fromJournal ? "journal" : "database");
        if (fromJournal)
        {
            metadata.put("journal_of", request.fromJournal());
        }
        metadata.put("signals", signalNames);
        if (warmFrom < Micros.of(start))
        {
            metadata.put("warmup_from", Micros.toInstant(warmFrom).toString());
        }
        metadata.put("pid", ProcessHandle.current().pid());
        metadata.put("host", host);
        final long runId = jobs.insert(JOB_NAME, provider, "running", symbols, start, metadata);

        ChronicleTickJournal journal = null;
        TickBatchSource source = null;
        SignalFile signalFile = null;
        try
        {
            final JournalManifest manifest;
            if (fromJournal)
            {
                source = new ChronicleJournalSource(journalDirectory(request.fromJournal()), table.size());
                manifest = null;
            }
            else
            {
                source = new PgTickSource(db.dataSource(), provider, table, warmFrom, Micros.of(end),
                    new PgTickSource.Options().batchSize(config.batchSize()).targetChunkRows(config.chunkRows())
                        .applicationName("tickreplay-replay-" + runId));
                if (journaling)
                {
                    final Path dir = journalDirectory(runId);
                    journal = new ChronicleTickJournal(dir);
                    manifest = new JournalManifest(JournalManifest.FORMAT, JournalLayout.VERSION, runId, provider, table.names(),
                        start.toString(), end.toString(), request.speed(), describeQuery(provider, table, start, end), "running", 0, null,
                        null, null, Instant.now().toString(), null);
                    manifest.write(dir);
                    jobs.mergeMetadata(runId, Map.of("journal", dir.toAbsolutePath().toString()));
                }
                else
                {
                    manifest = null;
                }
            }
            final List<PgSignalWriter> writers = new ArrayList<>();
            final List<SignalRing> rings = new ArrayList<>();
            final List<ReplayPipeline.Stage> signalStages = new ArrayList<>();
            final String sink = request.sink() == null ? "postgres" : request.sink();
            final boolean toTable = sink.equals("postgres");
            if (!signalNames.isEmpty() && !toTable && !sink.equals("none"))
            {
                signalFile = SignalFile.open(Path.of(sink), provider, table, SignalSet.of(signalNames, 1).calculators(), "replay", runId);
            }
            // nothing of this run's keys in the table yet: COPY straight in (the merge stays as the fallback)
            final boolean straight = !signalNames.isEmpty() && toTable && !signalsExist(provider, symbols, signalNames, start, end);
            final int shards = signalNames.isEmpty() ? 0 : config.signals().shards();
            for (int shard = 0; shard < shards; shard++)
            {
                final SignalSet set = SignalSet.of(signalNames, table.size());
                SignalShardStage.Sink out = SignalShardStage.Sink.DISCARD;
                if (toTable)
                {
                    set.timings((signalId, nanos) -> signalMetrics.computed(signalNames.get(signalId), nanos));
                    final PgSignalWriter writer = new PgSignalWriter(db.dataSource(), provider, table, set.calculators(), "replay", runId,
                        config.signals().batchRows(), config.signals().batchMillis(), System::nanoTime, signalMetrics.listener(signalNames));
                    writer.direct(straight);
                    writers.add(writer);
                    out = writer;
                }
                else if (signalFile != null)
                {
                    out = signalFile.shard();
                }
                if (out != SignalShardStage.Sink.DISCARD)
                {
                    // the shard computes on while its writer thread encodes and commits
                    final SignalRing ring = new SignalRing("replay-" + runId + "-writer-" + shard, config.signals().ringSize(), config.waitStrategy(), out);
                    rings.add(ring);
                    out = ring;
                }
                signalStages.add(new ReplayPipeline.Stage("signals-" + shard,
                    new SignalShardStage(shard, shards, set, new LastPerTimestamp(set.calculators().size(), table.size(), out), Micros.of(start))));
            }
            final PgBarWriter bars = signalNames.isEmpty() || !toTable ? null : new PgBarWriter(db.dataSource(), provider, table);
            if (bars != null)
            {
                // bars come with signals: OHLCV 1m, 5m and 1h of the emitted ticks into bars_ohlcv
                signalStages.add(new ReplayPipeline.Stage("bars", new BarStage(table.size(), Micros.of(start), bars)));
            }
            final ReplayProgress progress = new ReplayProgress(table.size());
            final BusPublishStage publisher = new BusPublishStage(bus, provider, runId, table, progress);
            final List<ReplayPipeline.Stage> stages = new ArrayList<>();
            if (journal != null)
            {
                stages.add(new ReplayPipeline.Stage("journal", new JournalStage(journal)));
            }
            stages.addAll(signalStages);
            final ReplayPipeline pipeline = new ReplayPipeline(
                new ReplayPipeline.Context().ringSize(config.ringSize()).waitStrategy(config.waitStrategy()).batchSize(config.batchSize())
                    .stageLatency(metrics.stageLatency())
                    .threadName("replay-" + runId),
                source, new ReplayControl(request.speed(), Micros.of(start)), publisher, stages);
            final ReplayRun run = new ReplayRun(runId, provider, table, pipeline, progress, request.speed());
            active.put(runId, run);
            metrics.register(run);
            final Map<String, java.util.function.LongSupplier> ringGauges = new LinkedHashMap<>();
            ringGauges.put("ticks", pipeline::ringRemaining);
            for (int i = 0; i < rings.size(); i++)
            {
                final SignalRing ring = rings.get(i);
                ringGauges.put("signals-" + i, () -> config.signals().ringSize() - ring.backlog());
            }
            final ChronicleTickJournal journaled = journal;
            metrics.registerInternals(run, ringGauges, journaled == null ? null : journaled::bytesWritten);
            pipeline.start();
            final ChronicleTickJournal runJournal = journal;
            final SignalFile runFile = signalFile;
            final Thread completer = new Thread(() -> complete(run, runJournal, manifest, rings, writers, signalNames, bars, runFile), "replay-" + runId + "-completion");
            completer.setDaemon(true);
            completer.start();
            return run;
        }
        catch (final IOException | RuntimeException | SQLException e)
        {
            if (source != null)
            {
                source.close();
            }
            if (journal != null)
            {
                journal.close();
            }
            if (signalFile != null)
            {
                signalFile.close();
            }
            active.remove(runId);
            jobs.finish(runId, "failed", 0, null, "could not start: " + e.getMessage(), Map.of());
            throw e;
        }
    }

    private boolean signalsExist(final String provider, final List<String> symbols, final List<String> names, final Instant start, final Instant end)
        throws SQLException
    {
        try (var c = db.connection();
             var probe = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM signals WHERE provider = ? AND symbol = ANY(?) AND name = ANY(?) AND ts >= ? AND ts < ?)"))
        {
            probe.setString(1, provider);
            probe.setArray(2, c.createArrayOf("text", symbols.toArray()));
            probe.setArray(3, c.createArrayOf("text", names.toArray()));
            probe.setObject(4, java.time.OffsetDateTime.ofInstant(start, java.time.ZoneOffset.UTC));
            probe.setObject(5, java.time.OffsetDateTime.ofInstant(end, java.time.ZoneOffset.UTC));
            try (var rs = probe.executeQuery())
            {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private void complete(final ReplayRun run, final ChronicleTickJournal journal, final JournalManifest manifest, final List<SignalRing> rings,
        final List<PgSignalWriter> writers, final List<String> signalNames, final PgBarWriter bars, final SignalFile file)
    {
        ReplayOutcome outcome = null;
        try
        {
            outcome = run.pipeline().awaitCompletion(Long.MAX_VALUE, TimeUnit.DAYS);
            rings.forEach(SignalRing::close);
            writers.forEach(PgSignalWriter::close);
            if (bars != null)
            {
                bars.close();
            }
            if (outcome.status() == ReplayOutcome.Status.FAILED)
            {
                run.progress().error();
            }
            final String status = statusName(outcome.status());
            final Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("ticks", outcome.ticks());
            metadata.put("checksum", outcome.checksumHex());
            metadata.put("elapsed_seconds", Math.round(outcome.elapsedNanos() / 1e6) / 1e3);
            metadata.put("ticks_per_second", Math.round(outcome.ticksPerSecond()));
            final Histogram lag = run.pipeline().pacer().lagMicros();
            if (lag.getTotalCount() > 0)
            {
                metadata.put("lag_ms", Map.of(
                    "p50", lag.getValueAtPercentile(50) / 1e3,
                    "p99", lag.getValueAtPercentile(99) / 1e3,
                    "p99_9", lag.getValueAtPercentile(99.9) / 1e3,
                    "max", lag.getMaxValue() / 1e3));
            }
            metadata.put("speed_final", run.control().speed());
            if (!writers.isEmpty())
            {
                final Map<String, Object> written = new LinkedHashMap<>();
                for (int i = 0; i < signalNames.size(); i++)
                {
                    final int id = i;
                    written.put(signalNames.get(i), writers.stream().mapToLong(w -> w.written(id)).sum());
                }
                metadata.put("signals_written", written);
            }
            if (bars != null)
            {
                metadata.put("bars_written", bars.written());
            }
            if (file != null)
            {
                if (outcome.status() == ReplayOutcome.Status.COMPLETED)
                {
                    file.commit();
                    metadata.put("signals_file", file.path().toAbsolutePath().toString());
                    metadata.put("signals_written", file.rows());
                }
                else
                {
                    file.close();
                }
            }
            if (journal != null)
            {
                journal.close();
                metadata.put("journal_bytes", journal.bytesWritten());
                manifest.withOutcome(status, outcome.ticks(), outcome.checksumHex(), tsOrNull(outcome.firstTsMicros()),
                    tsOrNull(outcome.lastTsMicros()), Instant.now().toString()).write(journalDirectory(run.runId()));
            }
            jobs.finish(run.runId(), status, outcome.ticks(), instantOrNull(outcome.lastTsMicros()), outcome.errorMessage(), metadata);
        }
        catch (final Exception e)
        {
            LOG.error("replay {} could not be finalised: {}", run.runId(), e.getMessage(), e);
            try
            {
                jobs.finish(run.runId(), "failed", run.progress().emitted(), instantOrNull(run.progress().lastTsMicros()),
                    "could not finalise: " + e.getMessage(), Map.of());
            }
            catch (final SQLException ignored)
            {
                // the database is gone: the row stays as it was; failOrphans repairs it at the next start
            }
        }
        finally
        {
            if (file != null)
            {
                file.close(); // after a commit only the (already moved) temporary file is gone; otherwise no partial file stays
            }
            active.remove(run.runId());
            scheduler.schedule(() -> metrics.remove(run), config.metricsRetentionMinutes(), TimeUnit.MINUTES);
            if (outcome != null)
            {
                run.completion().complete(outcome);
            }
            else
            {
                run.completion().completeExceptionally(new IllegalStateException("replay " + run.runId() + " did not end cleanly"));
            }
        }
    }

    private void writeProgress()
    {
        for (final ReplayRun run : active.values())
        {
            try
            {
                jobs.progress(run.runId(), run.progress().emitted(), instantOrNull(run.progress().lastTsMicros()),
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
        return Optional.ofNullable(active.get(runId));
    }

    public List<ReplayRun> activeRuns()
    {
        return List.copyOf(active.values());
    }

    public Path journalDirectory(final long runId)
    {
        return config.journalDir().resolve(String.valueOf(runId));
    }

    @Override
    public void close()
    {
        for (final ReplayRun run : active.values())
        {
            run.control().cancel();
        }
        for (final ReplayRun run : List.copyOf(active.values()))
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
        scheduler.shutdownNow();
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

    static String describeQuery(final String provider, final SymbolTable symbols, final Instant start, final Instant end)
    {
        return "tick_data WHERE provider = '" + provider + "' AND symbol IN (" + String.join(",", symbols.names()) + ") AND ts >= '" + start +
            "' AND ts < '" + end + "' ORDER BY ts, symbol, seq";
    }

    private static String tsOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros).toString();
    }

    private static Instant instantOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros);
    }

    /** This machine's name, as job rows record it to find the runs of processes that ended ({@code failOrphans}). */
    public static String host()
    {
        final String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank())
        {
            return env;
        }
        try
        {
            return java.nio.file.Files.readString(Path.of("/etc/hostname")).strip();
        }
        catch (final IOException | RuntimeException e)
        {
            return "localhost";
        }
    }
}
