package io.tickreplay.api.job;

import io.tickreplay.adapters.postgres.JobRunStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The life of one kind of job ({@code tick_replay}, {@code tick_export}) in {@code job_runs}: the row
 * a job begins with (stamped with this process's pid and host, so that a later start can tell the
 * jobs of a process that died), the jobs this process runs now, and the one way a job ends
 * ({@link #finish}, {@link #fail}). At construction the jobs a dead process of this host left
 * {@code running} are marked failed. A final row the database could not take is written again every
 * second until it can (a daemon thread, started by the first such failure). Thread-safe.
 *
 * @param <R> what this process keeps of a running job
 */
public final class JobLifecycle<R>
{
    private static final Logger LOG = LoggerFactory.getLogger(JobLifecycle.class);
    private static final String HOST = findHost();

    private final JobRunStore store;
    private final String jobName;
    private final Map<Long, R> active = new ConcurrentHashMap<>();
    private final Map<Long, RowWrite> pending = new ConcurrentHashMap<>();
    private ScheduledExecutorService retrier;

    public JobLifecycle(final JobRunStore store, final String jobName)
    {
        this.store = store;
        this.jobName = jobName;
        try
        {
            final int orphans = store.failOrphans(jobName, HOST);
            if (orphans > 0)
            {
                LOG.warn("marked {} {} job(s) left running by an ended process as failed", orphans, jobName);
            }
        }
        catch (final SQLException e)
        {
            LOG.warn("could not check for {} jobs left running by an ended process: {}", jobName, e.getMessage());
        }
    }

    public JobRunStore store()
    {
        return store;
    }

    public String jobName()
    {
        return jobName;
    }

    /** Inserts the job's row, {@code running}, with {@code metadata} plus this process's pid and host; returns its id. */
    public long begin(final String provider, final List<String> symbols, final Instant minTs, final Map<String, Object> metadata)
        throws SQLException
    {
        final Map<String, Object> stamped = new LinkedHashMap<>(metadata);
        stamped.put("pid", ProcessHandle.current().pid());
        stamped.put("host", HOST);
        return store.insert(jobName, provider, "running", symbols, minTs, stamped);
    }

    /**
     * Reopens an ended (or orphaned) job's row under its id, stamped with this process's pid and host, if
     * nobody changed it since it was read ({@code status}, {@code pid}, {@code resumes}); false when another process did first.
     */
    public boolean reopenIf(final long id, final String status, final Object pid, final Object resumes, final Map<String, Object> metadata)
        throws SQLException
    {
        final Map<String, Object> stamped = new LinkedHashMap<>(metadata);
        stamped.put("pid", ProcessHandle.current().pid());
        stamped.put("host", HOST);
        return store.reopenIf(id, status, pid, resumes, stamped);
    }

    /**
     * The live process of this host that runs {@code job}, if its row says {@code running} and names one
     * (a row left by a process that died names one that is gone: its job can be taken over).
     */
    public OptionalLong liveRunner(final JobRunStore.JobRun job)
    {
        if (!"running".equals(job.status()) || !HOST.equals(job.metadata().get("host")) || !(job.metadata().get("pid") instanceof Number pid))
        {
            return OptionalLong.empty();
        }
        return ProcessHandle.of(pid.longValue()).filter(ProcessHandle::isAlive).isPresent() ? OptionalLong.of(pid.longValue())
            : OptionalLong.empty();
    }

    /** Keeps {@code job} as one this process runs. */
    public void running(final long id, final R job)
    {
        active.put(id, job);
    }

    /** Forgets a job that has ended. */
    public void ended(final long id)
    {
        active.remove(id);
    }

    public Optional<R> active(final long id)
    {
        return Optional.ofNullable(active.get(id));
    }

    public List<R> active()
    {
        return List.copyOf(active.values());
    }

    public int activeCount()
    {
        return active.size();
    }

    /**
     * Writes the job's final row. When it cannot be written (the database is unreachable), it is kept
     * and written again every second until it is, so the row never stays {@code running} once the
     * database is back (the caller still gets the exception, to say so now).
     */
    public void finish(final long id, final String status, final long rows, final Instant maxTs, final String error, final Map<String, Object> metadata)
        throws SQLException
    {
        try
        {
            store.finish(id, status, rows, maxTs, error, metadata);
        }
        catch (final SQLException | RuntimeException e)
        {
            later(id, () -> store.finish(id, status, rows, maxTs, error, metadata), true);
            throw e;
        }
    }

    /** Final rows not written yet for want of a database: they are being retried. */
    public int pendingRows()
    {
        return pending.size();
    }

    @FunctionalInterface
    private interface RowWrite
    {
        void write() throws SQLException;
    }

    private synchronized void later(final long id, final RowWrite write, final boolean replace)
    {
        if (replace)
        {
            pending.put(id, write);
        }
        else
        {
            pending.putIfAbsent(id, write); // a failure to record a run's end is not the run's end: keep the truer row
        }
        if (retrier == null)
        {
            retrier = Executors.newSingleThreadScheduledExecutor(r ->
            {
                final Thread t = new Thread(r, jobName + "-rows");
                t.setDaemon(true);
                return t;
            });
            retrier.scheduleWithFixedDelay(this::retry, 1, 1, TimeUnit.SECONDS);
        }
    }

    private void retry()
    {
        for (final Map.Entry<Long, RowWrite> e : pending.entrySet())
        {
            try
            {
                e.getValue().write();
                pending.remove(e.getKey(), e.getValue());
                LOG.info("{} {}: its final row is written, now that the database answers", jobName, e.getKey());
            }
            catch (final SQLException | RuntimeException ex)
            {
                return; // still unreachable: the next round tries them all again
            }
        }
    }

    /**
     * Marks the job {@code failed} with {@code message}, forgets it, and rethrows nothing: when the
     * row cannot be written (the database is gone), that failure is added to {@code cause} as
     * suppressed, so the caller's exception still carries the first cause and the second.
     */
    public void fail(final long id, final String message, final long rows, final Instant maxTs, final Throwable cause)
    {
        try
        {
            store.finish(id, "failed", rows, maxTs, message, Map.of());
        }
        catch (final SQLException | RuntimeException e)
        {
            if (cause != null)
            {
                cause.addSuppressed(e);
            }
            later(id, () -> store.finish(id, "failed", rows, maxTs, message, Map.of()), false);
            LOG.warn("{} {} failed ({}) and its row could not be written: {}; it is written as soon as the database answers", jobName, id, message,
                e.getMessage());
        }
        finally
        {
            active.remove(id);
        }
    }

    /** This machine's name, as job rows record it ({@code failOrphans} finds the runs of ended processes by it). */
    public static String host()
    {
        return HOST;
    }

    private static String findHost()
    {
        final String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank())
        {
            return env;
        }
        try
        {
            return Files.readString(Path.of("/etc/hostname")).strip();
        }
        catch (final IOException | RuntimeException e)
        {
            return "localhost";
        }
    }
}
