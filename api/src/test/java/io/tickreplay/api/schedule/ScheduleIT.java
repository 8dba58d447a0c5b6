package io.tickreplay.api.schedule;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scheduled replays against a real PostgreSQL on a fake clock: fires start real replays whose jobs carry
 * the schedule's id, misfires follow the policy, schedules outlive the scheduler, a run still going is
 * never doubled, and two schedulers on one database start a fire once.
 */
class ScheduleIT
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Database db;
    private static InProcessBus bus;
    private static ReplayService replays;
    private static JobScheduleStore store;
    private final List<ReplayScheduler> schedulers = new ArrayList<>();

    /** A clock the test moves. */
    static final class FakeClock extends Clock
    {
        private volatile Instant now;

        FakeClock(final Instant now)
        {
            this.now = now;
        }

        void set(final Instant to)
        {
            now = to;
        }

        @Override
        public Instant instant()
        {
            return now;
        }

        @Override
        public ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(final ZoneId zone)
        {
            return this;
        }
    }

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("schedules");
        final SyntheticSession.Context session = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(3);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(session), session, f -> { });
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
        replays = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(8).journalDir(dir.resolve("journal"))
            .ticksRingSize(1 << 14).progressIntervalMillis(100).metricsRetentionMinutes(0).signals(List.of("none")));
        store = new JobScheduleStore(db.dataSource());
    }

    @AfterAll
    static void stop()
    {
        replays.close();
        bus.close();
        db.close();
    }

    @AfterEach
    void closeSchedulersAndForgetTheirSchedules() throws Exception
    {
        schedulers.forEach(ReplayScheduler::close);
        // each test's clock is its own: another test's schedule would be due at any of them
        for (final JobScheduleStore.Schedule s : store.list())
        {
            store.delete(s.id());
        }
    }

    private ReplayScheduler scheduler(final Clock clock)
    {
        final ReplayScheduler s = new ReplayScheduler(new JobScheduleStore(db.dataSource()), replays, new ReplayScheduler.Context().clock(clock)
            .pollInterval(Duration.ofMillis(100)));
        schedulers.add(s);
        return s;
    }

    private static JobScheduleStore.Schedule create(final Clock clock, final String json) throws Exception
    {
        return new ScheduleService(store, clock, dir).create(JSON.readTree(json));
    }

    private static JobScheduleStore.Schedule reload(final long id) throws Exception
    {
        return store.find(id).orElseThrow();
    }

    /** The tick_replay jobs whose metadata names this schedule, oldest first. */
    private static List<JobRunStore.JobRun> runsOf(final long scheduleId) throws Exception
    {
        final List<JobRunStore.JobRun> out = new ArrayList<>();
        for (final JobRunStore.JobRun j : replays.jobs().list(ReplayService.JOB_NAME, null, null, 1000, 0))
        {
            if (j.metadata().get("schedule_id") instanceof Number n && n.longValue() == scheduleId)
            {
                out.add(0, j);
            }
        }
        return out;
    }

    private static JobRunStore.JobRun awaitEnded(final long runId)
    {
        await().atMost(Duration.ofSeconds(60)).until(() -> replays.jobs().find(runId).orElseThrow().completedAt() != null);
        try
        {
            return replays.jobs().find(runId).orElseThrow();
        }
        catch (final java.sql.SQLException e)
        {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aScheduleFiresOnTheFakeClockAndItsReplayCompletesWithTheScheduleId() throws Exception
    {
        // Tuesday 2025-11-04, 21:50 in New York: the schedule fires at 22:00 and replays Monday's 15:00-15:30
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-05T02:50:00Z"));
        final JobScheduleStore.Schedule s = create(clock, "{\"name\": \"nightly\", \"cron\": \"0 22 * * 1-5\", \"zone\": \"America/New_York\", " +
            "\"window\": {\"previous_trading_day\": true, \"session\": \"15:00-15:30\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"speed\": 0, \"signals\": \"none\"}}");
        assertThat(s.nextFireAt()).isEqualTo(Instant.parse("2025-11-05T03:00:00Z"));
        final ReplayScheduler scheduler = scheduler(clock);
        assertThat(scheduler.runDue()).isZero();
        clock.set(Instant.parse("2025-11-05T03:00:02Z"));
        assertThat(scheduler.runDue()).isEqualTo(1);
        assertThat(scheduler.runDue()).as("a fire starts once").isZero();

        final JobScheduleStore.Schedule fired = reload(s.id());
        assertThat(fired.nextFireAt()).isEqualTo(Instant.parse("2025-11-06T03:00:00Z"));
        assertThat(fired.lastFireAt()).isEqualTo(Instant.parse("2025-11-05T03:00:00Z"));
        assertThat(fired.lastOutcome()).startsWith("started: run " + fired.lastRunId());
        final JobRunStore.JobRun job = awaitEnded(fired.lastRunId());
        assertThat(job.status()).isEqualTo("completed");
        assertThat(job.jobName()).isEqualTo("tick_replay");
        assertThat(((Number)job.metadata().get("schedule_id")).longValue()).isEqualTo(s.id());
        assertThat(job.metadata()).containsEntry("schedule_fire_at", "2025-11-05T03:00:00Z").containsEntry("end", "2025-11-03T20:30:00Z");
        assertThat(job.minTs()).isEqualTo(Instant.parse("2025-11-03T20:00:00Z")); // Monday 15:00 EST
        assertThat(job.rowsWritten()).isPositive();
        assertThat(job.maxTs()).isBefore(Instant.parse("2025-11-03T20:30:00Z"));
    }

    @Test
    void aRowThatCannotBeReadIsParkedWithItsReasonAndTheSchedulesAfterItStillFire() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T15:01:00Z"));
        final JobScheduleStore.Schedule good = create(clock, "{\"name\": \"after-the-bad-one\", \"cron\": \"*/10 * * * *\", " +
            "\"window\": {\"last\": \"10m\"}, \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}}");
        // written straight into the table, as the CLI or a user's SQL could, due before the good one
        try (java.sql.Connection c = db.connection(); java.sql.Statement st = c.createStatement())
        {
            st.execute("INSERT INTO job_schedules (name, cron, zone, request, time_window, next_fire_at) VALUES ('bad', '61 * * * *', 'UTC', " +
                "'{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}', '{\"last\": \"1h\"}', '2025-11-03T15:00:00Z')");
        }
        final long bad = store.list().stream().filter(x -> x.name().equals("bad")).findFirst().orElseThrow().id();
        final ReplayScheduler scheduler = scheduler(clock);
        clock.set(Instant.parse("2025-11-03T15:10:01Z"));
        assertThat(scheduler.runDue()).isEqualTo(1);
        assertThat(reload(good.id()).lastOutcome()).startsWith("started: run ");
        awaitEnded(reload(good.id()).lastRunId());
        final JobScheduleStore.Schedule parked = reload(bad);
        assertThat(parked.lastOutcome()).startsWith("failed: the schedule cannot be read (").contains("61");
        assertThat(parked.nextFireAt()).isAfter(Instant.parse("9000-01-01T00:00:00Z"));
        // and the list still shows every schedule
        assertThat(store.list()).extracting(x -> ScheduleService.json(x).get("name")).contains("bad", "after-the-bad-one");
    }

    @Test
    void afterADowntimeRunOnceStartsOneLateRunAndSkipStartsNone() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T15:01:00Z"));
        final String body = "{\"name\": \"%s\", \"cron\": \"*/10 * * * *\", \"misfire\": \"%s\", \"window\": {\"last\": \"10m\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}}";
        final JobScheduleStore.Schedule once = create(clock, body.formatted("downtime-once", "run_once"));
        final JobScheduleStore.Schedule skip = create(clock, body.formatted("downtime-skip", "skip"));
        final JobScheduleStore.Schedule defaulted = create(clock, "{\"name\": \"downtime-default\", \"cron\": \"*/10 * * * *\", " +
            "\"window\": {\"last\": \"10m\"}, \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"speed\": 0}}");
        assertThat(defaulted.misfire()).isEqualTo("run_once");

        // serve is down from 15:01 to 15:47: the fires at 15:10, 15:20, 15:30 and 15:40 pass unseen
        clock.set(Instant.parse("2025-11-03T15:47:00Z"));
        final ReplayScheduler restarted = scheduler(clock);
        assertThat(restarted.runDue()).isEqualTo(2); // run_once and the default, not skip

        final JobScheduleStore.Schedule o = reload(once.id());
        assertThat(o.nextFireAt()).isEqualTo(Instant.parse("2025-11-03T15:50:00Z"));
        assertThat(o.lastFireAt()).isEqualTo(Instant.parse("2025-11-03T15:40:00Z"));
        assertThat(o.lastOutcome()).startsWith("started_late: run " + o.lastRunId()).contains("4 fire times");
        final List<JobRunStore.JobRun> onceRuns = runsOf(once.id());
        assertThat(onceRuns).hasSize(1);
        assertThat(awaitEnded(onceRuns.get(0).id()).status()).isEqualTo("completed");
        // the window of the latest missed fire: the 10 minutes before 15:40
        assertThat(onceRuns.get(0).minTs()).isEqualTo(Instant.parse("2025-11-03T15:30:00Z"));
        assertThat(onceRuns.get(0).metadata()).containsEntry("end", "2025-11-03T15:40:00Z");

        final JobScheduleStore.Schedule k = reload(skip.id());
        assertThat(k.nextFireAt()).isEqualTo(Instant.parse("2025-11-03T15:50:00Z"));
        assertThat(k.lastRunId()).isNull();
        assertThat(k.lastOutcome()).startsWith("skipped_misfire");
        assertThat(runsOf(skip.id())).isEmpty();
        assertThat(runsOf(defaulted.id())).hasSize(1);
        awaitEnded(runsOf(defaulted.id()).get(0).id()); // else the next fire would rightly be held for it

        // on time again: both fire at 15:50, a few seconds late but within the grace
        clock.set(Instant.parse("2025-11-03T15:50:03Z"));
        assertThat(restarted.runDue()).isEqualTo(3);
        assertThat(reload(skip.id()).lastOutcome()).startsWith("started: run ");
        assertThat(runsOf(skip.id())).hasSize(1);
        for (final long id : List.of(once.id(), skip.id(), defaulted.id()))
        {
            runsOf(id).forEach(r -> awaitEnded(r.id()));
        }
    }

    @Test
    void aSkipFireSeenAfterTheGraceIsAMisfireEvenWithNoLaterFireTime() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T12:00:00Z"));
        final JobScheduleStore.Schedule s = create(clock, "{\"name\": \"grace-skip\", \"cron\": \"0 13 * * *\", \"misfire\": \"skip\", " +
            "\"window\": {\"last\": \"1h\"}, \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}}");
        clock.set(Instant.parse("2025-11-03T13:05:00Z")); // five minutes late, grace one
        assertThat(scheduler(clock).runDue()).isZero();
        assertThat(reload(s.id()).lastOutcome()).startsWith("skipped_misfire").contains("300 s after its time");
        assertThat(reload(s.id()).nextFireAt()).isEqualTo(Instant.parse("2025-11-04T13:00:00Z"));
    }

    @Test
    void aRestartedSchedulerOnTheSameDatabaseKeepsTheSchedulesAndFiresThem() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T14:58:00Z"));
        final JobScheduleStore.Schedule s = create(clock, "{\"name\": \"restart\", \"cron\": \"0 * * * *\", \"window\": {\"last\": \"30m\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"speed\": 0}}");
        final ReplayScheduler first = scheduler(clock);
        clock.set(Instant.parse("2025-11-03T15:00:01Z"));
        assertThat(first.runDue()).isEqualTo(1);
        awaitEnded(reload(s.id()).lastRunId());
        first.close();

        // a new scheduler over a new store, as a new serve process has: the schedule is there, and fires
        final ReplayScheduler second = new ReplayScheduler(new JobScheduleStore(db.dataSource()), replays, new ReplayScheduler.Context().clock(clock));
        schedulers.add(second);
        assertThat(new JobScheduleStore(db.dataSource()).list()).extracting(JobScheduleStore.Schedule::name).contains("restart");
        clock.set(Instant.parse("2025-11-03T16:00:01Z"));
        assertThat(second.runDue()).isEqualTo(1);
        final List<JobRunStore.JobRun> runs = runsOf(s.id());
        assertThat(runs).hasSize(2);
        assertThat(runs).extracting(r -> r.metadata().get("schedule_fire_at")).containsExactly("2025-11-03T15:00:00Z", "2025-11-03T16:00:00Z");
        awaitEnded(runs.get(1).id());
    }

    @Test
    void aRunStillGoingIsNeverDoubledSkipPassesTheFireAndRunOnceFiresWhenItEnds() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T15:00:30Z"));
        // speed 1: the hour's ticks at their own pace, still going when the next minute's fire comes
        final String body = "{\"name\": \"%s\", \"cron\": \"* * * * *\", \"misfire\": \"%s\", " +
            "\"window\": {\"start\": \"2025-11-03T15:00:00Z\", \"end\": \"2025-11-03T16:00:00Z\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 1, \"journal\": false}}";
        final JobScheduleStore.Schedule once = create(clock, body.formatted("slow-once", "run_once"));
        final JobScheduleStore.Schedule skip = create(clock, body.formatted("slow-skip", "skip"));
        final ReplayScheduler scheduler = scheduler(clock);
        clock.set(Instant.parse("2025-11-03T15:01:00Z"));
        assertThat(scheduler.runDue()).isEqualTo(2);
        final long onceRun = reload(once.id()).lastRunId();
        final long skipRun = reload(skip.id()).lastRunId();

        clock.set(Instant.parse("2025-11-03T15:02:00Z"));
        assertThat(scheduler.runDue()).isZero();
        assertThat(reload(skip.id()).lastOutcome()).startsWith("skipped_overlap").contains("run " + skipRun + " of this schedule is still running");
        assertThat(reload(skip.id()).nextFireAt()).isEqualTo(Instant.parse("2025-11-03T15:03:00Z"));
        assertThat(reload(once.id()).lastOutcome()).startsWith("deferred").contains("run " + onceRun);
        assertThat(reload(once.id()).nextFireAt()).as("the fire is held").isEqualTo(Instant.parse("2025-11-03T15:02:00Z"));
        clock.set(Instant.parse("2025-11-03T15:05:00Z"));
        assertThat(scheduler.runDue()).isZero();
        assertThat(runsOf(once.id())).hasSize(1);
        assertThat(runsOf(skip.id())).hasSize(1);

        for (final long run : List.of(onceRun, skipRun))
        {
            replays.active(run).orElseThrow().control().cancel();
            awaitEnded(run);
        }
        clock.set(Instant.parse("2025-11-03T15:05:10Z"));
        assertThat(scheduler.runDue()).isEqualTo(1); // run_once: the held fire, once; skip waits for 15:06
        final JobScheduleStore.Schedule o = reload(once.id());
        assertThat(o.lastOutcome()).startsWith("started_late: run " + o.lastRunId());
        assertThat(o.lastFireAt()).isEqualTo(Instant.parse("2025-11-03T15:05:00Z"));
        assertThat(o.nextFireAt()).isEqualTo(Instant.parse("2025-11-03T15:06:00Z"));
        assertThat(runsOf(once.id())).hasSize(2);
        assertThat(runsOf(skip.id())).hasSize(1);
        replays.active(o.lastRunId()).ifPresent(r -> r.control().cancel());
        awaitEnded(o.lastRunId());
        store.delete(once.id());
        store.delete(skip.id());
    }

    @Test
    void twoSchedulersOnOneDatabaseStartAFireOnce() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T17:59:00Z"));
        final JobScheduleStore.Schedule s = create(clock, "{\"name\": \"two-serves\", \"cron\": \"0 18 * * *\", \"window\": {\"last\": \"15m\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}}");
        clock.set(Instant.parse("2025-11-03T18:00:00Z"));
        final List<ReplayScheduler> two = List.of(scheduler(clock), scheduler(clock));
        final CountDownLatch go = new CountDownLatch(1);
        final ExecutorService threads = Executors.newFixedThreadPool(2);
        try
        {
            final List<Future<Integer>> started = new ArrayList<>();
            for (final ReplayScheduler each : two)
            {
                started.add(threads.submit(() ->
                {
                    go.await();
                    return each.runDue();
                }));
            }
            go.countDown();
            assertThat(started.get(0).get() + started.get(1).get()).isEqualTo(1);
        }
        finally
        {
            threads.shutdown();
        }
        assertThat(runsOf(s.id())).hasSize(1);
        awaitEnded(runsOf(s.id()).get(0).id());
    }

    @Test
    void theSchedulersThreadPicksUpAScheduleWrittenToTheTableAndARemovedOneNoLongerFires() throws Exception
    {
        final FakeClock clock = new FakeClock(Instant.parse("2025-11-03T18:59:00Z"));
        final ReplayScheduler running = scheduler(clock);
        running.start();
        // as the CLI does: the table, not the scheduler
        final JobScheduleStore.Schedule s = create(clock, "{\"name\": \"picked-up\", \"cron\": \"0 19 * * *\", \"window\": {\"last\": \"5m\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"speed\": 0}}");
        final JobScheduleStore.Schedule removed = create(clock, "{\"name\": \"removed\", \"cron\": \"0 19 * * *\", \"window\": {\"last\": \"5m\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"AAPL\"], \"speed\": 0}}");
        assertThat(store.delete(removed.id())).isTrue();
        clock.set(Instant.parse("2025-11-03T19:00:00Z"));
        await().atMost(Duration.ofSeconds(10)).until(() -> reload(s.id()).lastRunId() != null);
        assertThat(awaitEnded(reload(s.id()).lastRunId()).status()).isEqualTo("completed");
        assertThat(runsOf(removed.id())).isEmpty();
    }
}
