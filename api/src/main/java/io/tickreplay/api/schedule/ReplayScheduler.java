package io.tickreplay.api.schedule;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.JobScheduleStore.Schedule;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fires the schedules of {@code job_schedules}: every {@code pollInterval} it reads the due ones, claims each
 * fire with a compare-and-set on {@code next_fire_at} (so that of several {@code serve} processes on one
 * database exactly one starts it), and starts the fire's replay through {@link ReplayService} as a POST would,
 * a {@code tick_replay} job whose metadata holds {@code schedule_id} and {@code schedule_fire_at}. Schedules
 * the CLI writes to the table are seen at the next poll.
 *
 * <p>Misfires (docs/schedules.md): a fire time seen more than {@code misfireGrace} late, or followed by
 * further fire times before now (serve was down), is a misfire. {@code run_once}: one run, for the latest
 * missed fire time; {@code skip}: none, and the schedule waits for its next fire time. A fire while the
 * schedule's previous run is still running or paused never starts a second run: {@code skip} passes that fire
 * by; {@code run_once} holds it (outcome {@code deferred}) and, once the run has ended, fires once.
 * What each fire did is the schedule's {@code last_outcome}.
 *
 * <p>Threads: one, its own (a single-thread scheduled executor started by {@link #start()}), or the caller's
 * with {@link #runDue()} (tests, on a fake {@link Clock}). Time comes only from the injected clock.
 */
public final class ReplayScheduler implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplayScheduler.class);
    /** Where a schedule that will never fire again (its cron finds no day within nine years) is parked. */
    private static final Instant NEVER = Instant.parse("9999-12-31T00:00:00Z");
    /** How many missed fire times are counted before the count stops (a minutely schedule down for a year). */
    private static final int MAX_COUNTED_MISSES = 100_000;

    /** The scheduler's settings: its clock, how often it polls, how late a fire may be before it is a misfire. */
    public static final class Context
    {
        private Clock clock = Clock.systemUTC();
        private Duration pollInterval = Duration.ofSeconds(1);
        private Duration misfireGrace = Duration.ofSeconds(60);

        public Context clock(final Clock clock)
        {
            this.clock = clock;
            return this;
        }

        public Context pollInterval(final Duration pollInterval)
        {
            this.pollInterval = pollInterval;
            return this;
        }

        public Context misfireGrace(final Duration misfireGrace)
        {
            this.misfireGrace = misfireGrace;
            return this;
        }

        public Clock clock()
        {
            return clock;
        }

        /** Checks the settings together; an error names the setting. */
        public Context conclude()
        {
            if (pollInterval.isNegative() || pollInterval.isZero())
            {
                throw new IllegalArgumentException("schedules.poll-interval must be positive, was " + pollInterval);
            }
            if (misfireGrace.isNegative())
            {
                throw new IllegalArgumentException("schedules.misfire-grace must be >= 0, was " + misfireGrace);
            }
            return this;
        }
    }

    private final JobScheduleStore store;
    private final ReplayService replays;
    private final Context config;
    /** The last run this scheduler started per schedule, beside {@code last_run_id}, which is written after the start. */
    private final Map<Long, Long> startedRuns = new ConcurrentHashMap<>();
    private ScheduledExecutorService thread;

    public ReplayScheduler(final JobScheduleStore store, final ReplayService replays, final Context config)
    {
        this.store = store;
        this.replays = replays;
        this.config = config.conclude();
    }

    /** Starts polling on a thread of its own. */
    public synchronized void start()
    {
        if (thread != null)
        {
            return;
        }
        thread = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "replay-scheduler");
            t.setDaemon(true);
            return t;
        });
        final long period = config.pollInterval.toMillis();
        thread.scheduleWithFixedDelay(this::poll, 0, period, TimeUnit.MILLISECONDS);
    }

    private void poll()
    {
        try
        {
            runDue();
        }
        catch (final SQLException | RuntimeException e)
        {
            LOG.warn("the replay scheduler could not read job_schedules: {} (tries again in {})", e.getMessage(), config.pollInterval);
        }
    }

    /** One pass on the caller's thread: handles every due schedule; returns how many runs it started. */
    public int runDue() throws SQLException
    {
        final Instant now = config.clock.instant();
        int started = 0;
        for (final Schedule s : store.due(now))
        {
            final boolean fired;
            try
            {
                fired = fire(s, now);
            }
            catch (final RuntimeException e)
            {
                // a row this process cannot read (a cron or zone written straight into the table, a zone gone from
                // the JDK's tz data) is parked with its reason, so it does not stand first in every pass before the others
                LOG.warn("schedule {} ({}) cannot be fired and is parked: {}", s.id(), s.name(), e.getMessage());
                store.claim(s.id(), s.nextFireAt(), NEVER, null, "failed: the schedule cannot be read (" + e.getMessage() +
                    "); remove it and add it again");
                continue;
            }
            if (fired)
            {
                started++;
            }
        }
        return started;
    }

    /** What one due schedule does now; true when it started a run. */
    private boolean fire(final Schedule s, final Instant now) throws SQLException
    {
        final ZoneId zone = ZoneId.of(s.zone());
        final CronExpression cron = CronExpression.parse(s.cron());
        // the latest fire time at or before now, how many came after the due one, and the first one after now
        Instant latest = s.nextFireAt();
        int missed = 0;
        Instant after = cron.next(latest, zone);
        while (after != null && !after.isAfter(now) && missed < MAX_COUNTED_MISSES)
        {
            latest = after;
            missed++;
            after = cron.next(after, zone);
        }
        if (after != null && !after.isAfter(now))
        {
            after = cron.next(now, zone); // past the counted misses
        }
        final Instant next = after == null ? NEVER : after;
        final boolean late = missed > 0 || Duration.between(latest, now).compareTo(config.misfireGrace) > 0;
        final boolean skip = ScheduleService.SKIP.equals(s.misfire());
        final Optional<JobRunStore.JobRun> going = stillGoing(s);
        if (going.isPresent())
        {
            final String why = "run " + going.get().id() + " of this schedule is still " + going.get().status();
            if (skip)
            {
                store.claim(s.id(), s.nextFireAt(), next, null, "skipped_overlap: the fire at " + latest + " (" + why + ")");
                return false;
            }
            final String deferred = "deferred: " + why + "; the fire at " + s.nextFireAt() + " runs once when it ends";
            if (!deferred.equals(s.lastOutcome()))
            {
                store.recordOutcome(s.id(), null, deferred);
            }
            return false;
        }
        final String lateness = missed > 0 ? " (late: " + (missed + 1) + " fire times from " + s.nextFireAt() + " were missed)"
            : late ? " (late: " + Duration.between(latest, now).toSeconds() + " s after its time)" : "";
        if (late && skip)
        {
            store.claim(s.id(), s.nextFireAt(), next, null, "skipped_misfire: the fire at " + latest + lateness);
            return false;
        }
        if (!store.claim(s.id(), s.nextFireAt(), next, latest, "starting: the fire at " + latest))
        {
            return false; // another process took this fire
        }
        return start(s, latest, late ? "started_late" : "started", lateness);
    }

    /** Starts the replay of the fire at {@code fireTime}; its outcome is recorded either way. */
    private boolean start(final Schedule s, final Instant fireTime, final String outcome, final String lateness) throws SQLException
    {
        final ReplayRun run;
        try
        {
            final ReplayWindow window = ReplayWindow.parse(ScheduleService.read(s.window()), ZoneId.of(s.zone()));
            final ReplayRequest request = ScheduleService.request((ObjectNode)ScheduleService.read(s.request()), window.resolve(fireTime),
                replays.config().importDir());
            final Map<String, Object> metadata = new LinkedHashMap<>();
            metadata.put("schedule_id", s.id());
            metadata.put("schedule_fire_at", fireTime.toString());
            run = replays.start(request, metadata);
        }
        catch (final SQLException | IOException | RuntimeException e)
        {
            LOG.warn("schedule {} ({}) could not start its run for the fire at {}: {}", s.id(), s.name(), fireTime, e.getMessage());
            store.recordOutcome(s.id(), null, "failed: the fire at " + fireTime + " could not start: " + e.getMessage());
            return false;
        }
        // the run is going: remembered here too, so a failure to record it below cannot let the next fire start a second one
        startedRuns.put(s.id(), run.runId());
        LOG.info("schedule {} ({}) started replay run {} for the fire at {}", s.id(), s.name(), run.runId(), fireTime);
        store.recordOutcome(s.id(), run.runId(), outcome + ": run " + run.runId() + " for the fire at " + fireTime + lateness);
        return true;
    }

    /** The schedule's previous run when it has not ended (running or paused). */
    private Optional<JobRunStore.JobRun> stillGoing(final Schedule s) throws SQLException
    {
        for (final Long runId : new Long[] {s.lastRunId(), startedRuns.get(s.id())})
        {
            if (runId != null)
            {
                final Optional<JobRunStore.JobRun> going = replays.jobs().find(runId)
                    .filter(j -> j.completedAt() == null && (j.status().equals("running") || j.status().equals("paused")));
                if (going.isPresent())
                {
                    return going;
                }
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void close()
    {
        if (thread != null)
        {
            thread.shutdownNow();
            try
            {
                thread.awaitTermination(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            thread = null;
        }
    }
}
