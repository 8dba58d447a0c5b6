package io.tickreplay.api.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.ReplayTelemetryStore;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolDigests;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.topology.ReplayTopology;
import org.HdrHistogram.Histogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The last step of a run, on a thread of its own ({@code replay-<id>-completion}): waits for the
 * topology to end, closes what the run wrote through, commits its file, closes its journal with the
 * outcome in the manifest, saves its last checkpoint and its telemetry, and records the outcome in the
 * job row; tells the service's {@link ReplayService.EndListener}s (retention: {@code runs.keep}); then,
 * for a run failed by a lost database, waits for the database within {@code db.outage-grace} and
 * resumes the run ({@link Resumer}). Thread-safe.
 */
final class RunCompletion
{
    private static final Logger LOG = LoggerFactory.getLogger(RunCompletion.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Resumes a run under its id: the service's {@link ReplayService#resume}. */
    @FunctionalInterface
    interface Resumer
    {
        ReplayRun resume(long runId) throws Exception;
    }

    private final Database db;
    private final JobLifecycle<ReplayRun> lifecycle;
    private final RunProgress progress;
    private final ReplayTelemetryStore telemetry;
    private final ReplayMetrics metrics;
    private final ReplayService.Context config;
    private final Resumer resumer;
    private final BooleanSupplier closed;
    private final Map<Long, CompletableFuture<Optional<ReplayRun>>> recoveries = new ConcurrentHashMap<>();
    private final List<ReplayService.EndListener> listeners = new CopyOnWriteArrayList<>();

    RunCompletion(final Database db, final JobLifecycle<ReplayRun> lifecycle, final RunProgress progress, final ReplayTelemetryStore telemetry,
        final ReplayMetrics metrics, final ReplayService.Context config, final Resumer resumer, final BooleanSupplier closed)
    {
        this.db = db;
        this.lifecycle = lifecycle;
        this.progress = progress;
        this.telemetry = telemetry;
        this.metrics = metrics;
        this.config = config;
        this.resumer = resumer;
        this.closed = closed;
    }

    /** Starts the run's completion thread. */
    void await(final ReplayRun run, final ReplayPlan plan, final RunResources resources)
    {
        final Thread completer = new Thread(() -> complete(run, plan, resources), "replay-" + run.runId() + "-completion");
        completer.setDaemon(true);
        completer.start();
    }

    private void complete(final ReplayRun run, final ReplayPlan plan, final RunResources r)
    {
        ReplayOutcome outcome = null;
        final ReplayTopology topology = run.topology();
        try
        {
            outcome = topology.threadingMode() == ReplayTopology.ThreadingMode.INVOKER ? topology.run()
                : topology.awaitCompletion(Long.MAX_VALUE, TimeUnit.DAYS);
            topology.close();
            r.closeWriters();
            if (outcome.status() == ReplayOutcome.Status.FAILED)
            {
                run.progress().error();
            }
            progress.saveCheckpoint(run.runId()); // before the row says the run ended: a resume then finds its last checkpoint
            run.telemetry().sample(System.currentTimeMillis(), outcome.ticks());
            saveTelemetry(run);
            final String status = ReplayService.statusName(outcome.status());
            final Map<String, Object> metadata = outcomeMetadata(run, outcome, plan, r);
            if (r.file != null && outcome.status() == ReplayOutcome.Status.COMPLETED)
            {
                r.file.commit();
                metadata.put("signals_file", r.file.path().toAbsolutePath().toString());
                metadata.put("signals_written", r.file.rows());
            }
            if (r.journal != null)
            {
                closeJournal(run, outcome, status, r, metadata);
            }
            if (r.runManifest != null)
            {
                metadata.put("manifest", endManifest(run.runId(), outcome, status, plan, r));
            }
            lifecycle.finish(run.runId(), status, outcome.ticks(), RunProgress.instantOrNull(outcome.lastTsMicros()), outcome.errorMessage(), metadata);
        }
        catch (final Throwable e)
        {
            // an Error too (a full disk under a mapped file, out of memory): the row must not stay running
            LOG.error("replay {} could not be finalised: {}", run.runId(), e.getMessage(), e);
            lifecycle.fail(run.runId(), "could not finalise: " + e.getMessage(), run.progress().emitted(),
                RunProgress.instantOrNull(run.progress().lastTsMicros()), e);
        }
        finally
        {
            if (r.file != null)
            {
                r.file.close(); // after a commit only the (already moved) temporary file is gone; otherwise no partial file stays
            }
            lifecycle.ended(run.runId());
            metrics.ended(run.runId());
            final long runId = run.runId(); // the delayed removal holds the id only, not the ended run and its rings
            progress.later(() ->
            {
                if (lifecycle.active(runId).isEmpty()) // not resumed meanwhile under the same id
                {
                    metrics.remove(runId);
                }
            }, config.metricsRetentionMinutes(), TimeUnit.MINUTES);
            ended(run, plan, outcome);
        }
    }

    /**
     * Closes the journal and writes its manifest with the outcome; a journal that cannot be closed (its
     * disk full) is said in the job's metadata and does not keep the job from ending.
     */
    private void closeJournal(final ReplayRun run, final ReplayOutcome outcome, final String status, final RunResources r,
        final Map<String, Object> metadata)
    {
        try
        {
            r.journal.close();
            metadata.put("journal_bytes", r.journal.bytesWritten());
            metadata.put("journal_path", config.journalDirectory(run.runId()).toAbsolutePath().toString());
            r.manifest.withOutcome(status, outcome.ticks(), outcome.checksumHex(), tsOrNull(outcome.firstTsMicros()),
                tsOrNull(outcome.lastTsMicros()), Instant.now().toString()).write(config.journalDirectory(run.runId()));
        }
        catch (final Throwable e)
        {
            LOG.warn("replay {}: its journal could not be closed: {}", run.runId(), e.getMessage());
            metadata.put("journal_error", String.valueOf(e.getMessage()));
        }
    }

    /**
     * The run's manifest with its outcome and each symbol's ticks read, rewritten beside the journal. A
     * resumed run's own digests hold only what it read since its checkpoint: its journal, which holds the
     * whole run once, is read again for them; without a journal they are not known, and the manifest says so.
     */
    private Map<String, Object> endManifest(final long runId, final ReplayOutcome outcome, final String status, final ReplayPlan plan,
        final RunResources r)
    {
        SymbolDigests digests = outcome.digests();
        String note = null;
        final Path dir = config.journalDirectory(runId);
        if (plan.resumeFrom() != null)
        {
            digests = null;
            note = "resumed from a checkpoint without its journal: the counts and checksums of the ticks read before it are not known";
            if (r.journal != null)
            {
                try
                {
                    digests = JournalContents.read(dir, JournalManifest.read(dir)).digests();
                    note = null;
                }
                catch (final IOException | RuntimeException e)
                {
                    note = "resumed from a checkpoint; its journal could not be read for the counts and checksums: " + e.getMessage();
                }
            }
        }
        final RunManifest ended = r.runManifest.ended(status, plan.symbols(), plan.provider(), digests, note);
        if (r.journal != null)
        {
            try
            {
                ended.write(dir);
            }
            catch (final IOException e)
            {
                LOG.warn("replay {}: its manifest could not be written beside its journal: {}", runId, e.getMessage());
            }
        }
        return ended.toMap();
    }

    /** Tells whoever waits on the run; a run failed by a lost database first registers its recovery, so that the waiter finds it. */
    private void ended(final ReplayRun run, final ReplayPlan plan, final ReplayOutcome outcome)
    {
        if (outcome == null)
        {
            tellListeners(run.runId());
            run.completion().completeExceptionally(new IllegalStateException("replay " + run.runId() + " did not end cleanly"));
            return;
        }
        final boolean recover = outcome.status() == ReplayOutcome.Status.FAILED && plan.resumable() && config.outageGraceNanos() > 0 &&
            !closed.getAsBoolean() && lostDatabase(outcome.errorMessage());
        final CompletableFuture<Optional<ReplayRun>> recovery = new CompletableFuture<>();
        if (recover)
        {
            recoveries.put(run.runId(), recovery);
        }
        tellListeners(run.runId()); // before the waiter hears of the end: a CLI that exits then closes the listeners after this
        run.completion().complete(outcome);
        if (recover)
        {
            recoverAfterOutage(run.runId(), recovery);
        }
    }

    void onEnded(final ReplayService.EndListener listener)
    {
        listeners.add(listener);
    }

    /** A listener that fails is logged: the run has ended whatever it does. */
    private void tellListeners(final long runId)
    {
        for (final ReplayService.EndListener listener : listeners)
        {
            try
            {
                listener.ended(runId);
            }
            catch (final RuntimeException e)
            {
                LOG.warn("replay {}: a listener to its end failed: {}", runId, e.getMessage(), e);
            }
        }
    }

    /** Keeps what the cockpit draws of the run once it has ended; a loss only costs the drilldown its charts. */
    private void saveTelemetry(final ReplayRun run)
    {
        try
        {
            telemetry.save(run.runId(), JSON.writeValueAsString(run.telemetry().timeline()), JSON.writeValueAsString(run.telemetry().latency(true)));
        }
        catch (final SQLException | IOException | RuntimeException e)
        {
            LOG.warn("replay {}: its timeline and latency histograms were not saved: {}", run.runId(), e.getMessage());
        }
    }

    /** Whether a run's failure is the database going away (not a bad row or a bug): the driver's and the pool's words for it. */
    static boolean lostDatabase(final String message)
    {
        if (message == null)
        {
            return false;
        }
        final String m = message.toLowerCase(Locale.ROOT);
        return m.contains("database connection failed") || m.contains("i/o error occurred") || m.contains("connection refused") ||
            m.contains("terminating connection") || m.contains("connection is not available") || m.contains("this connection has been closed") ||
            m.contains("connection attempt failed") || m.contains("the database system is");
    }

    /**
     * {@code db.outage-grace}: a run failed because the database went away is resumed from its last
     * checkpoint, under its id, if the database answers again within the grace; otherwise it stays failed
     * (and can still be resumed by hand). One daemon thread per such run, for the grace at most.
     */
    private void recoverAfterOutage(final long runId, final CompletableFuture<Optional<ReplayRun>> recovery)
    {
        final Thread thread = new Thread(() ->
        {
            final long deadline = System.nanoTime() + config.outageGraceNanos();
            ReplayRun resumed = null;
            try
            {
                LOG.warn("replay {} lost its database: it resumes from its last checkpoint if the database answers within {} s (db.outage-grace)",
                    runId, TimeUnit.NANOSECONDS.toSeconds(config.outageGraceNanos()));
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
                if (closed.getAsBoolean() || recovery.isDone())
                {
                    return; // the service is stopping, or the waiter gave up: the run stays failed, resumable by hand
                }
                resumed = resumer.resume(runId);
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

    /** The wait of a run failed by a lost database for it to answer again; empty when none is going on. */
    Optional<CompletableFuture<Optional<ReplayRun>>> recovery(final long runId)
    {
        return Optional.ofNullable(recoveries.get(runId));
    }

    private static Map<String, Object> outcomeMetadata(final ReplayRun run, final ReplayOutcome outcome, final ReplayPlan plan, final RunResources r)
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
        if (plan.maxGap() != null)
        {
            // how much of the window's time the pacing skipped: gaps longer than max_gap, paced as max_gap
            metadata.put("max_gap_compressed_seconds", Math.round(run.topology().pacer().compressedMicros() / 1e3) / 1e3);
        }
        final Map<String, Long> errors = run.topology().errors().counts();
        if (!errors.isEmpty())
        {
            metadata.put("errors", errors); // "stage/kind" -> count, as tickreplay_stage_errors_total counts them
        }
        if (!r.writers.isEmpty())
        {
            final Map<String, Object> written = new LinkedHashMap<>();
            final List<String> names = plan.written();
            for (int i = 0; i < names.size(); i++)
            {
                final int id = i;
                written.put(names.get(i), r.writers.stream().mapToLong(w -> w.written(id)).sum());
            }
            metadata.put("signals_written", written);
        }
        if (r.bars != null)
        {
            metadata.put("bars_written", r.bars.written());
        }
        return metadata;
    }

    private static String tsOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros).toString();
    }
}
