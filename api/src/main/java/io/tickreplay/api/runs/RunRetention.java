package io.tickreplay.api.runs;

import io.tickreplay.api.replay.ReplayService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code runs.keep}: after each run of a replay service ends (completed, failed or cancelled), the
 * finished runs beyond the newest {@code keep} are deleted, as {@code runs prune --keep} does; a run
 * that runs or is paused never is. The prune runs on a thread of its own ({@code runs-retention}),
 * never on the run's threads; ends that come while one is waiting share it. A prune that fails is
 * logged and tried again after the next run ends.
 */
public final class RunRetention implements ReplayService.EndListener, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(RunRetention.class);

    private final RunCatalog catalog;
    private final int keep;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r ->
    {
        final Thread t = new Thread(r, "runs-retention");
        t.setDaemon(true);
        return t;
    });

    private RunRetention(final RunCatalog catalog, final int keep)
    {
        this.catalog = catalog;
        this.keep = keep;
    }

    /** Keeps the newest {@code keep} finished runs of {@code replays} from now on; 0 keeps them all (and starts nothing). */
    public static RunRetention attach(final ReplayService replays, final RunCatalog catalog, final int keep)
    {
        if (keep < 0)
        {
            throw new IllegalArgumentException("runs.keep must be >= 0 (0 keeps every run), was " + keep);
        }
        final RunRetention retention = new RunRetention(catalog, keep);
        if (keep > 0)
        {
            replays.onEnded(retention);
        }
        return retention;
    }

    @Override
    public void ended(final long runId)
    {
        if (queued.compareAndSet(false, true))
        {
            try
            {
                thread.execute(this::prune);
            }
            catch (final RejectedExecutionException e)
            {
                queued.set(false); // closed: the process is stopping
            }
        }
    }

    private void prune()
    {
        queued.set(false); // an end from now on asks for another prune, which sees it
        try
        {
            final List<RunCatalog.Deleted> deleted = catalog.prune(RunCatalog.Selection.keep(keep));
            if (!deleted.isEmpty())
            {
                long bytes = 0;
                for (final RunCatalog.Deleted d : deleted)
                {
                    bytes += d.freed().bytes() + (d.freed().journalBytes() == null ? 0 : d.freed().journalBytes());
                }
                LOG.warn("runs.keep = {}: deleted replay run(s) {}, {} MB freed", keep, deleted.stream().map(d -> d.run().id()).toList(),
                    String.format(Locale.ROOT, "%.1f", bytes / 1e6));
            }
        }
        catch (final Exception e)
        {
            LOG.warn("runs.keep = {}: the runs beyond the newest {} could not be deleted: {}; tried again after the next run ends", keep, keep,
                e.getMessage(), e);
        }
    }

    /** Waits (up to a minute) for a prune that was asked for to finish, then stops the thread. */
    @Override
    public void close()
    {
        thread.shutdown();
        try
        {
            if (!thread.awaitTermination(60, TimeUnit.SECONDS))
            {
                LOG.warn("runs.keep: a prune did not finish within 60 s of the close");
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }
}
