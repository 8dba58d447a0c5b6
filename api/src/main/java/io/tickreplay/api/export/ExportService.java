package io.tickreplay.api.export;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PgExporter;
import io.tickreplay.adapters.postgres.PgFeatureExporter;
import io.tickreplay.adapters.postgres.SignalStore;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Runs exports as jobs: each a {@code job_runs} row ({@code tick_export}) with {@code rows_written},
 * {@code max_ts} (the latest ts written: where the next {@code since_last} export starts) and the
 * output path, format and size in {@code metadata}. A failed export leaves no file and a
 * {@code failed} job with its message. Exports run on a small pool of their own (never on a
 * caller's I/O thread). Thread-safe.
 */
public final class ExportService implements AutoCloseable
{
    public static final String JOB_NAME = "tick_export";
    private static final Logger LOG = LoggerFactory.getLogger(ExportService.class);

    /** A running or finished export: its job id, rows so far, and the job row when it has ended. */
    public record ExportJob(long id, Path output, AtomicLong rows, CompletableFuture<JobRunStore.JobRun> done)
    {
    }

    private final Database db;
    private final JobRunStore jobs;
    private final JobLifecycle<ExportJob> lifecycle;
    private final PgExporter exporter;
    private final PgFeatureExporter features;
    private final ExecutorService pool;
    private volatile ModelRegistry models;

    public ExportService(final Database db, final int threads)
    {
        this.db = db;
        this.jobs = new JobRunStore(db.dataSource());
        this.exporter = new PgExporter(db.dataSource());
        this.features = new PgFeatureExporter(db.dataSource());
        this.pool = Executors.newFixedThreadPool(threads, r ->
        {
            final Thread t = new Thread(r, "export");
            t.setDaemon(true);
            return t;
        });
        this.lifecycle = new JobLifecycle<>(jobs, JOB_NAME);
    }

    /** The registry a feature set's {@code models} are resolved in (docs/models.md); without one a request naming models is refused. */
    public ExportService models(final ModelRegistry registry)
    {
        this.models = registry;
        return this;
    }

    private ModelRegistry modelRegistry()
    {
        final ModelRegistry registry = models;
        if (registry == null)
        {
            throw new InvalidRequest("models", "this export service has no model registry");
        }
        return registry;
    }

    public JobRunStore jobs()
    {
        return jobs;
    }

    /**
     * Starts an export and returns at once; {@link ExportJob#done()} completes with the job's final row.
     * An existing file of that name is replaced when the export completes (the CLI's behaviour).
     */
    public ExportJob start(final ExportRequest asked) throws SQLException
    {
        final ExportRequest request = asked.validate();
        return begin(request, Path.of(request.output()).toAbsolutePath(), false);
    }

    /**
     * Starts an export whose output name nobody else may hold: the name is claimed by creating the file
     * exclusively (an empty placeholder, replaced atomically by the finished file), so of two requests
     * for one name exactly one is accepted; the other gets {@link FileAlreadyExistsException}. A failed
     * export gives its claim back.
     */
    public ExportJob startExclusive(final ExportRequest asked) throws SQLException, IOException
    {
        final ExportRequest request = asked.validate();
        final Path output = Path.of(request.output()).toAbsolutePath();
        Files.createDirectories(output.getParent());
        Files.createFile(output);
        try
        {
            return begin(request, output, true);
        }
        catch (final SQLException | RuntimeException | Error e)
        {
            releaseClaim(output, e);
            throw e;
        }
    }

    /** One export's work, on the pool's thread: writes the file and says what it wrote. */
    @FunctionalInterface
    private interface Work
    {
        PgExporter.Result write(LongConsumer progress) throws SQLException, IOException;
    }

    private ExportJob begin(final ExportRequest request, final Path output, final boolean claimed) throws SQLException
    {
        final FileFormat format = FileFormat.of(output.getFileName().toString(), request.format());
        if (request.isFeatures())
        {
            return beginFeatures(request, output, format, claimed);
        }
        final PgExporter.Dataset dataset = request.datasetKind();
        final Instant after = request.sinceLast() ? jobs.lastCompletedMaxTs(JOB_NAME, request.queryKey()) : null;
        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("dataset", dataset.label());
        if (dataset == PgExporter.Dataset.BARS)
        {
            metadata.put("interval", request.barInterval());
        }
        final Long runId = dataset == PgExporter.Dataset.TICKS ? null : run(request, dataset);
        if (runId != null)
        {
            metadata.put("run_id", runId);
        }
        metadata.put("end", request.end().toString());
        metadata.put("output", output.toString());
        metadata.put("format", format.label());
        metadata.put("query_key", request.queryKey());
        if (request.sinceLast())
        {
            metadata.put("since_last", true);
            metadata.put("after", after == null ? null : after.toString());
        }
        final long id = lifecycle.begin(request.provider(), request.symbols(), request.start(), metadata);
        final ExportJob job = new ExportJob(id, output, new AtomicLong(), new CompletableFuture<>());
        lifecycle.running(id, job);
        final PgExporter.Query query = new PgExporter.Query(dataset, request.provider(), request.symbols(), request.start(), request.end(),
            request.barInterval(), after, runId);
        pool.execute(() -> run(job, progress -> exporter.export(query, job.output(), format, progress), after, claimed));
        return job;
    }

    /** Whose rows: the run named, live (0), or the newest run with rows in the window (else live). */
    private Long run(final ExportRequest request, final PgExporter.Dataset dataset) throws SQLException
    {
        final String run = request.runChoice();
        if (run.equals(ExportRequest.LIVE))
        {
            return 0L;
        }
        if (!run.equals(ExportRequest.LATEST))
        {
            return Long.parseLong(run);
        }
        final SignalStore store = new SignalStore(db.dataSource());
        return dataset == PgExporter.Dataset.BARS
            ? store.newestBarRun(request.provider(), request.symbols(), request.barInterval(), request.start(), request.end())
            : store.newestSignalRun(request.provider(), request.symbols(), request.start(), request.end());
    }

    /** A feature set: its columns are known here (the signals expanded, the horizons), so the job row lists them. */
    private ExportJob beginFeatures(final ExportRequest request, final Path output, final FileFormat format, final boolean claimed) throws SQLException
    {
        final List<ModelSpec> specs = request.models() == null ? List.of() : modelRegistry().specs(request.models(), "models");
        final List<String> signals = ModelRegistry.signalsFor(SignalSet.of(request.featureSignals(), 1).calculators().stream()
            .map(SignalCalculator::name).toList(), specs);
        final PgFeatureExporter.Query query = new PgFeatureExporter.Query(request.provider(), request.symbols(), request.start(), request.end(),
            request.barInterval(), signals.isEmpty() ? List.of("none") : signals, request.featureHorizons(), specs);
        final Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("dataset", ExportRequest.FEATURES);
        metadata.put("interval", request.barInterval());
        metadata.put("signals", signals);
        if (!specs.isEmpty())
        {
            metadata.put("models", specs.stream().map(ModelSpec::name).toList());
        }
        metadata.put("horizons", Arrays.stream(request.featureHorizons()).boxed().toList());
        metadata.put("end", request.end().toString());
        metadata.put("output", output.toString());
        metadata.put("format", format.label());
        metadata.put("query_key", request.queryKey());
        final long id = lifecycle.begin(request.provider(), request.symbols(), request.start(), metadata);
        final ExportJob job = new ExportJob(id, output, new AtomicLong(), new CompletableFuture<>());
        lifecycle.running(id, job);
        pool.execute(() -> run(job, progress -> features.export(query, job.output(), format, progress), null, claimed));
        return job;
    }

    /** Deletes the empty placeholder of a claimed name; never a file with content (a finished export's). */
    private static void releaseClaim(final Path output, final Throwable cause)
    {
        try
        {
            if (Files.size(output) == 0)
            {
                Files.deleteIfExists(output);
            }
        }
        catch (final IOException e)
        {
            cause.addSuppressed(e);
        }
    }

    /** Runs an export to its end on the caller's thread (the CLI). */
    public JobRunStore.JobRun run(final ExportRequest request) throws SQLException, InterruptedException
    {
        final ExportJob job = start(request);
        try
        {
            return job.done().get();
        }
        catch (final ExecutionException e)
        {
            throw new IllegalStateException("export " + job.id() + " could not be recorded: " + e.getCause().getMessage(), e.getCause());
        }
    }

    public ExportJob active(final long id)
    {
        return lifecycle.active(id).orElse(null);
    }

    private void run(final ExportJob job, final Work work, final Instant after, final boolean claimed)
    {
        final long t0 = System.nanoTime();
        try
        {
            try
            {
                final PgExporter.Result result = work.write(job.rows()::set);
                final double seconds = (System.nanoTime() - t0) / 1e9;
                final Map<String, Object> done = new LinkedHashMap<>();
                done.put("bytes", result.bytes());
                done.put("elapsed_seconds", Math.round(seconds * 1e3) / 1e3);
                done.put("rows_per_second", Math.round(result.rows() / Math.max(seconds, 1e-9)));
                // an incremental export that found nothing new keeps the mark where it was
                lifecycle.finish(job.id(), "completed", result.rows(), result.maxTs() != null ? result.maxTs() : after, null, done);
            }
            catch (final Throwable e)
            {
                // whatever went wrong (an Error too: a native library that will not load, memory), the job says so
                LOG.debug("export {} failed", job.id(), e);
                if (claimed)
                {
                    releaseClaim(job.output(), e);
                }
                // a failed export leaves no file: it wrote no rows, whatever it had read (rows_read says how far it got)
                lifecycle.finish(job.id(), "failed", 0, null, e.getMessage() == null ? e.toString() : e.getMessage(),
                    Map.of("rows_read", job.rows().get()));
            }
            job.done().complete(jobs.find(job.id()).orElseThrow());
        }
        catch (final Throwable e)
        {
            LOG.error("export {} could not be recorded: {}", job.id(), e.getMessage());
            job.done().completeExceptionally(e);
        }
        finally
        {
            lifecycle.ended(job.id());
        }
    }

    @Override
    public void close()
    {
        pool.shutdown();
    }
}
