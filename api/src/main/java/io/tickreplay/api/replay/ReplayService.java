package io.tickreplay.api.replay;

import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.ModelStore;
import io.tickreplay.adapters.postgres.ReplayCheckpointStore;
import io.tickreplay.adapters.postgres.ReplayTelemetryStore;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.topology.ReplayTopology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs replays: each one a {@code job_runs} row ({@code tick_replay}) and a {@link ReplayTopology} of
 * its own, several at once up to {@code replay.max-concurrent}. A run goes through four steps, each
 * its own class: {@link ReplayPlanner} (window, sources, signals, warm-up; nothing written),
 * {@link RunResources} (source, journal, sinks, bus), {@link RunLauncher} (the topology, its metrics,
 * the start) and {@link RunCompletion} (the outcome recorded, the recovery after a lost database);
 * {@link RunProgress} writes what runs do while they run. The service keeps start, resume and close,
 * and the lock under which a start or a resume takes its slot and its job row. Thread-safe: the CLI,
 * the HTTP API and the scheduler share one.
 *
 * <p>A run from the database into the signals table (or no sink) records a checkpoint every
 * {@code replay.checkpoint-interval} in {@code replay_checkpoints}; {@link #resume} continues a run that
 * failed, was cancelled or whose process died from its last one, under the same run id (docs/replay.md, "Resume").
 */
public final class ReplayService implements AutoCloseable
{
    public static final String JOB_NAME = "tick_replay";
    private static final Logger LOG = LoggerFactory.getLogger(ReplayService.class);

    private final JobLifecycle<ReplayRun> lifecycle;
    private final Buses buses;
    private final boolean ownsBuses;
    private final Context config;
    private final ReplayCheckpointStore checkpoints;
    private final ReplayPlanner planner;
    private final RunProgress progress;
    private final RunCompletion completion;
    private final RunLauncher launcher;
    private final RunTelemetryView.Reader telemetry;
    private final ModelRegistry models;
    private volatile boolean closed;

    /** Replays to {@code bus} (in-process) by default, and to Kafka or Redis when a request or the configuration says so. */
    public ReplayService(final Database db, final InProcessBus bus, final MeterRegistry registry, final Context config)
    {
        this(db, new Buses(bus, Buses.Settings.defaults(), registry), true, registry, config);
    }

    public ReplayService(final Database db, final Buses buses, final MeterRegistry registry, final Context config)
    {
        this(db, buses, false, registry, config);
    }

    private ReplayService(final Database db, final Buses buses, final boolean ownsBuses, final MeterRegistry registry, final Context config)
    {
        this.config = config.conclude();
        this.lifecycle = new JobLifecycle<>(new JobRunStore(db.dataSource()), JOB_NAME);
        this.checkpoints = new ReplayCheckpointStore(db.dataSource());
        this.buses = buses;
        this.ownsBuses = ownsBuses;
        final ReplayMetrics metrics = new ReplayMetrics(registry);
        final ReplayTelemetryStore telemetryStore = new ReplayTelemetryStore(db.dataSource());
        this.models = new ModelRegistry(new ModelStore(db.dataSource()), this.config.modelsDir, this.config.modelsMaxFileBytes);
        this.planner = new ReplayPlanner(db.dataSource(), this.config, models);
        this.progress = new RunProgress(lifecycle, checkpoints, this.config.progressIntervalMillis);
        this.completion = new RunCompletion(db, lifecycle, progress, telemetryStore, metrics, this.config, runId -> resume(runId, null), () -> closed);
        this.launcher = new RunLauncher(db, buses, this.config, lifecycle, metrics, new SignalMetrics(registry), progress, completion);
        this.telemetry = new RunTelemetryView.Reader(lifecycle, telemetryStore);
    }

    /** The model registry runs take their {@code models} from. */
    public ModelRegistry models()
    {
        return models;
    }

    public JobRunStore jobs()
    {
        return lifecycle.store();
    }

    public Context config()
    {
        return config;
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

    /**
     * Told when a run has ended (completed, failed or cancelled) and its row is final, before
     * {@link ReplayRun#done()} completes, on the run's completion thread: it must return quickly and
     * hand any work to a thread of its own.
     */
    @FunctionalInterface
    public interface EndListener
    {
        void ended(long runId);
    }

    /** Tells {@code listener} of every run of this service that ends from now on. */
    public void onEnded(final EndListener listener)
    {
        completion.onEnded(listener);
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
        final ReplayPlan plan = planner.plan(request);
        final RunMemory memory = RunMemory.of(plan, config, RunMemory.share(Runtime.getRuntime().maxMemory(), config.maxConcurrent));
        synchronized (this)
        {
            if (lifecycle.activeCount() >= config.maxConcurrent)
            {
                throw new ReplayLimitException(config.maxConcurrent);
            }
            buses.connect(plan.bus()); // a bus that cannot be reached refuses the start before there is a job
            final Map<String, Object> metadata = ReplayPlanner.jobMetadata(plan);
            metadata.putAll(extraMetadata);
            final long runId = lifecycle.begin(plan.provider(), plan.requested(), plan.start(), metadata);
            return launcher.launch(plan, runId, memory);
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
            final OptionalLong runner = lifecycle.liveRunner(job);
            if (runner.isPresent())
            {
                throw new ResumeRefused("replay run " + runId + " is running in process " + runner.getAsLong() + " on this host: it has nothing to resume from");
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
            final ReplayPlan plan = planner.resume(job, checkpoint, speed);
            final RunMemory memory = RunMemory.of(plan, config, RunMemory.share(Runtime.getRuntime().maxMemory(), config.maxConcurrent));
            buses.connect(plan.bus());
            final Map<String, Object> resumed = new LinkedHashMap<>();
            resumed.put("resumes", ((Number)job.metadata().getOrDefault("resumes", 0)).intValue() + 1);
            resumed.put("resumed_from", Map.of("ticks", checkpoint.ticks(), "ts", Micros.toInstant(checkpoint.lastTsMicros()).toString(),
                "status", job.status()));
            resumed.put("speed", plan.speed());
            if (!lifecycle.reopenIf(runId, job.status(), job.metadata().get("pid"), job.metadata().get("resumes"), resumed))
            {
                throw new ResumeRefused("replay run " + runId + " is being resumed by another process");
            }
            return launcher.launch(plan, runId, memory);
        }
    }

    /**
     * The run's timeline and latency (percentiles, without the histograms themselves); empty when this
     * process does not run it and nothing was saved (a run that ended before telemetry existed, or is unknown).
     */
    public Optional<RunTelemetryView> telemetry(final long runId) throws SQLException, IOException
    {
        return telemetry.find(runId);
    }

    /** A stage's latency distribution of the run as an {@code .hgrm} (microseconds); empty when there is none. */
    public Optional<String> hgrm(final long runId, final String stage) throws SQLException, IOException
    {
        return telemetry.hgrm(runId, stage);
    }

    /**
     * A run failed by a lost database that waits for it to answer again ({@code db.outage-grace}): the
     * future ends with the resumed run (same id), or empty if it stays failed. Cancelling the future gives
     * up the wait. Empty when no such wait is going on.
     */
    public Optional<CompletableFuture<Optional<ReplayRun>>> recovery(final long runId)
    {
        return completion.recovery(runId);
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
        return config.journalDirectory(runId);
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
        progress.close();
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

        private Path modelsDir = Path.of("data", "models");
        private long modelsMaxFileBytes = 64L << 20;

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

        /** {@code models.dir} and {@code models.max-file-bytes}: where the registry keeps model files, and the largest it takes. */
        public Context models(final Path dir, final long maxFileBytes)
        {
            this.modelsDir = dir;
            this.modelsMaxFileBytes = maxFileBytes;
            return this;
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
        public Context outageGrace(final Duration grace)
        {
            this.outageGraceNanos = grace.toNanos();
            return this;
        }

        /** {@code replay.checkpoint-interval}: how often a run records where it is (0: never; it cannot be resumed then). */
        public Context checkpointInterval(final Duration interval)
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

        /** Where run {@code runId}'s journal is kept. */
        public Path journalDirectory(final long runId)
        {
            return journalDir.resolve(String.valueOf(runId));
        }

        boolean journaling()
        {
            return journal;
        }

        int shards()
        {
            return shards;
        }

        int ticksRingSize()
        {
            return ticksRingSize;
        }

        int signalsRingSize()
        {
            return signalsRingSize;
        }

        int batchSize()
        {
            return batchSize;
        }

        int chunkRows()
        {
            return chunkRows;
        }

        int signalBatchRows()
        {
            return signalBatchRows;
        }

        long signalBatchMillis()
        {
            return signalBatchMillis;
        }

        SignalMetadata.Mode signalMetadata()
        {
            return signalMetadata;
        }

        long checkpointIntervalNanos()
        {
            return checkpointIntervalNanos;
        }

        long outageGraceNanos()
        {
            return outageGraceNanos;
        }

        long metricsRetentionMinutes()
        {
            return metricsRetentionMinutes;
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
