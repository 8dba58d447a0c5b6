package io.tickreplay.api.replay;

import io.tickreplay.adapters.postgres.ReplayCheckpointStore;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.tick.Micros;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the running replays write while they run, from one daemon thread ({@code replay-progress}),
 * every {@code replay.progress-interval-ms}: each run's progress into its job row, a sample of its
 * timeline, and its newest checkpoint. Checkpoints are only noted on the writer's thread that completes
 * them ({@link #noteCheckpoint}): saving there held the writer, and so the whole burst, while it waited
 * for a pooled connection the run's own reader and writers were holding. The thread also runs the
 * service's delayed tasks (metrics removed a while after a run ends). Thread-safe.
 */
final class RunProgress implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RunProgress.class);

    private final JobLifecycle<ReplayRun> lifecycle;
    private final ReplayCheckpointStore checkpoints;
    private final long intervalMillis;
    private final Map<Long, ReplayCheckpoint> unsaved = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;

    RunProgress(final JobLifecycle<ReplayRun> lifecycle, final ReplayCheckpointStore checkpoints, final long intervalMillis)
    {
        this.lifecycle = lifecycle;
        this.checkpoints = checkpoints;
        this.intervalMillis = intervalMillis;
    }

    /** Starts the thread on the first run; later calls do nothing. */
    synchronized void start()
    {
        if (scheduler == null)
        {
            scheduler = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, "replay-progress");
                t.setDaemon(true);
                return t;
            });
            scheduler.scheduleAtFixedRate(this::writeProgress, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Runs {@code task} on this thread after {@code delay}; nothing when the service has closed. */
    synchronized void later(final Runnable task, final long delay, final TimeUnit unit)
    {
        if (scheduler != null && !scheduler.isShutdown())
        {
            scheduler.schedule(task, delay, unit);
        }
    }

    /** On the thread of the run's last writer to commit: kept until the next progress write (or the run's end). */
    void noteCheckpoint(final long runId, final ReplayCheckpoint checkpoint)
    {
        unsaved.merge(runId, checkpoint, (a, b) -> b.ticks() >= a.ticks() ? b : a);
    }

    /** Upserts the run's newest unsaved checkpoint, if any: a lost one only means a resume re-reads more. */
    void saveCheckpoint(final long runId)
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

    @Override
    public synchronized void close()
    {
        if (scheduler != null)
        {
            scheduler.shutdownNow();
        }
    }

    static Instant instantOrNull(final long micros)
    {
        return micros == Long.MIN_VALUE ? null : Micros.toInstant(micros);
    }
}
