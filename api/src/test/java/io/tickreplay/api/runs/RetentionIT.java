package io.tickreplay.api.runs;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.ReplayCheckpointStore;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Retention against a real PostgreSQL: runs listed with what they hold, a run deleted with everything
 * it wrote while the others and the live rows stay, deletions refused while a run runs, is paused or
 * has its journal replayed, prunes by count, age and id, and {@code runs.keep} after each run. Each
 * test has a schema of its own (a prune sees every run of its schema).
 */
class RetentionIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    /** 09:30 New York on 2025-11-03. */
    private static final Instant OPEN = Instant.parse("2025-11-03T14:30:00Z");

    @TempDir
    Path journals;

    private Database db;
    private InProcessBus bus;
    private ReplayService service;
    private RunCatalog catalog;

    @BeforeEach
    void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("retention");
        // the session's first hour, two symbols at a tick a second each
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(1).seed(11)
            .hours(LocalTime.of(9, 30), LocalTime.of(10, 30));
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        bus = new InProcessBus(1 << 12, new SleepingWaitStrategy());
        service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(4).journalDir(journals)
            .progressIntervalMillis(50).metricsRetentionMinutes(0).signals(List.of("all")));
        catalog = new RunCatalog(service, db);
    }

    @AfterEach
    void stop()
    {
        service.close();
        bus.close();
        db.close();
    }

    /** A burst run of [OPEN + from, OPEN + to) minutes with every signal, ended. */
    private long replay(final int from, final int to) throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN.plusSeconds(60L * from), OPEN.plusSeconds(60L * to), 0.0));
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        return run.runId();
    }

    /** A run at the original pace (an hour of ticks), paused once it has emitted some. */
    private ReplayRun paused(final ReplayRequest request) throws Exception
    {
        final ReplayRun run = service.start(request);
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().emitted() > 0);
        run.control().pause();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(run.runId()).equals("paused"));
        return run;
    }

    private String status(final long runId) throws Exception
    {
        return service.jobs().find(runId).orElseThrow().status();
    }

    private long number(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private boolean partitionExists(final long runId) throws Exception
    {
        return number("SELECT count(*) FROM (SELECT to_regclass('signal_rows_r" + runId + "') AS t) x WHERE t IS NOT NULL") == 1;
    }

    private long jobRows(final long runId) throws Exception
    {
        return number("SELECT count(*) FROM job_runs WHERE id = " + runId);
    }

    private void execute(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
    }

    @Test
    void aDeletedRunTakesEverythingItWroteAndLeavesTheOtherRunAndTheLiveRows() throws Exception
    {
        execute("INSERT INTO signals (provider, symbol, ts, name, value, metadata) VALUES " +
            "('ibkr', 'NVDA', '2025-11-03T14:31:00Z', 'spread_bps', 1.5, '{\"origin\": \"live\"}'), " +
            "('ibkr', 'AAPL', '2025-11-03T14:31:00Z', 'spread_bps', 2.5, '{\"origin\": \"live\"}')");
        execute("INSERT INTO bars_ohlcv (provider, symbol, interval, ts, open, high, low, close, volume, trade_count) VALUES " +
            "('ibkr', 'NVDA', '1m', '2025-11-03T14:31:00Z', 1, 2, 0.5, 1.5, 10, 3)");
        final long first = replay(0, 20);
        final long second = replay(20, 40);
        new ReplayCheckpointStore(db.dataSource()).save(first, new ReplayCheckpoint(0, Micros.of(OPEN.plusSeconds(60)), "NVDA", 1, 1, 7,
            Micros.of(OPEN))); // kept as it is if the run recorded one further on

        final List<RunCatalog.Run> runs = catalog.list(null, null, 10, 0);
        assertThat(runs).extracting(RunCatalog.Run::id).containsExactly(second, first);
        for (final RunCatalog.Run run : runs)
        {
            assertThat(run.size().bytes()).as("run %d's partition on disk", run.id()).isPositive();
            assertThat(run.size().signalRows()).as("run %d's signal rows", run.id()).isPositive();
            assertThat(run.size().barRows()).as("run %d's bars", run.id()).isPositive();
            assertThat(run.size().journalBytes()).as("run %d's journal", run.id()).isPositive();
            assertThat(run.json()).containsEntry("status", "completed").containsKeys("start", "end", "ticks", "created_at", "finished_at", "size");
        }
        final Path journal = journals.resolve(String.valueOf(first));
        assertThat(journal).isDirectory();
        assertThat(number("SELECT count(*) FROM replay_telemetry WHERE run_id = " + first)).isEqualTo(1);
        assertThat(number("SELECT count(*) FROM replay_checkpoints WHERE run_id = " + first)).isEqualTo(1);
        final long firstBars = number("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + first);
        final long secondRows = number("SELECT count(*) FROM signal_rows_r" + second);
        final long secondBars = number("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + second);
        assertThat(secondRows).isPositive();

        final RunCatalog.Deleted deleted = catalog.delete(first);

        assertThat(deleted.run().id()).isEqualTo(first);
        assertThat(deleted.freed().bytes()).isPositive();
        assertThat(deleted.freed().signalRows()).isEqualTo(runs.get(1).size().signalRows());
        assertThat(deleted.freed().barRows()).isEqualTo(firstBars).isPositive();
        assertThat(deleted.freed().journalBytes()).isPositive();
        assertThat(partitionExists(first)).as("the run's partition").isFalse();
        assertThat(number("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + first)).isZero();
        assertThat(journal).doesNotExist();
        assertThat(jobRows(first)).isZero();
        assertThat(number("SELECT count(*) FROM replay_telemetry WHERE run_id = " + first)).isZero();
        assertThat(number("SELECT count(*) FROM replay_checkpoints WHERE run_id = " + first)).isZero();
        // the other run, and the live rows, as they were
        assertThat(number("SELECT count(*) FROM signal_rows_r" + second)).isEqualTo(secondRows);
        assertThat(number("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + second)).isEqualTo(secondBars);
        assertThat(journals.resolve(String.valueOf(second))).isDirectory();
        assertThat(jobRows(second)).isOne();
        assertThat(number("SELECT count(*) FROM signal_rows_live")).isEqualTo(2);
        assertThat(number("SELECT count(*) FROM bars_ohlcv WHERE run_id = 0")).isOne();
        assertThat(catalog.list(null, null, 10, 0)).extracting(RunCatalog.Run::id).containsExactly(second);

        assertThatThrownBy(() -> catalog.delete(first)).isInstanceOf(RunCatalog.NotFound.class).hasMessage("no replay run " + first);
        assertThat(catalog.find(first)).isEmpty();
        assertThatThrownBy(() -> catalog.delete(0)).isInstanceOfSatisfying(InvalidRequest.class, e -> assertThat(e.field()).isEqualTo("run_id"))
            .hasMessageContaining("live");
        assertThat(number("SELECT count(*) FROM signal_rows_live")).isEqualTo(2);
    }

    @Test
    void aRunThatIsPausedRunningOrHasItsJournalReplayedIsNotDeleted() throws Exception
    {
        final long journaled = replay(0, 10);
        final ReplayRun slow = paused(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN, OPEN.plusSeconds(3600), 1.0));
        assertThatThrownBy(() -> catalog.delete(slow.runId())).isInstanceOf(RunCatalog.Refused.class).hasMessageContaining("is paused");
        slow.control().resume();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(slow.runId()).equals("running"));
        assertThatThrownBy(() -> catalog.delete(slow.runId())).isInstanceOf(RunCatalog.Refused.class).hasMessageContaining("is running");
        assertThatThrownBy(() -> catalog.prune(RunCatalog.Selection.ids(List.of(journaled, slow.runId())))).isInstanceOf(RunCatalog.Refused.class);
        assertThat(jobRows(journaled)).as("a prune by ids checks them all before it deletes any").isOne();

        final ReplayRun reader = paused(ReplayRequest.fromJournal(journaled, 1.0));
        assertThatThrownBy(() -> catalog.delete(journaled)).isInstanceOf(RunCatalog.Refused.class)
            .hasMessageContaining("replay run " + reader.runId() + " is replaying the journal of run " + journaled);
        execute("UPDATE job_runs SET completed_at = now() - interval '30 days' WHERE id = " + journaled);
        assertThat(catalog.select(new RunCatalog.Selection(null, Duration.ofDays(7), null))).as("a prune leaves a journal being replayed").isEmpty();
        assertThat(catalog.prune(RunCatalog.Selection.keep(1))).isEmpty();
        assertThat(partitionExists(slow.runId())).isTrue();
        assertThat(jobRows(slow.runId())).isOne();
        assertThat(journals.resolve(String.valueOf(journaled))).isDirectory();

        reader.control().cancel();
        slow.control().cancel();
        reader.done().get(30, TimeUnit.SECONDS);
        slow.done().get(30, TimeUnit.SECONDS);
        assertThat(catalog.delete(journaled).freed().journalBytes()).isPositive();
        assertThat(catalog.delete(slow.runId()).run().job().status()).isEqualTo("cancelled");
        assertThat(jobRows(slow.runId())).isZero();
    }

    @Test
    void aPruneKeepsTheNewestRunsAndDeletesByAgeOrByIdAndFinishesAHalfDoneDeletion() throws Exception
    {
        final long r1 = replay(0, 5);
        final long r2 = replay(5, 10);
        final long r3 = replay(10, 15);
        final long r4 = replay(15, 20);

        final List<RunCatalog.Deleted> beyondThree = catalog.prune(RunCatalog.Selection.keep(3));
        assertThat(beyondThree).extracting(d -> d.run().id()).containsExactly(r1);
        assertThat(beyondThree.get(0).freed().bytes()).isPositive();
        assertThat(partitionExists(r1)).isFalse();
        assertThat(List.of(jobRows(r2), jobRows(r3), jobRows(r4))).containsOnly(1L);

        execute("UPDATE job_runs SET completed_at = now() - interval '10 days' WHERE id = " + r2);
        execute("UPDATE job_runs SET completed_at = now() - interval '3 days' WHERE id = " + r3);
        assertThat(catalog.prune(new RunCatalog.Selection(null, RunCatalog.Selection.age("7d"), null))).extracting(d -> d.run().id())
            .containsExactly(r2);
        assertThat(partitionExists(r2)).isFalse();
        assertThat(partitionExists(r3)).isTrue();
        // both rules: beyond the newest one and finished more than 2 days ago
        assertThat(catalog.prune(new RunCatalog.Selection(2, RunCatalog.Selection.age("2d"), null))).isEmpty();
        assertThat(catalog.prune(new RunCatalog.Selection(1, RunCatalog.Selection.age("2d"), null))).extracting(d -> d.run().id()).containsExactly(r3);

        // a deletion that stopped half-way (its row says deleting) is finished by the next prune, whatever the rule
        final long r5 = replay(20, 25);
        execute("UPDATE job_runs SET status = 'deleting' WHERE id = " + r4);
        assertThat(catalog.list(null, null, 10, 0)).extracting(r -> r.job().status()).containsExactly("completed", RunCatalog.DELETING);
        assertThat(catalog.prune(RunCatalog.Selection.keep(5))).extracting(d -> d.run().id()).containsExactly(r4);
        assertThat(partitionExists(r4)).isFalse();

        assertThat(catalog.prune(RunCatalog.Selection.ids(List.of(r5)))).extracting(d -> d.run().id()).containsExactly(r5);
        assertThat(catalog.list(null, null, 10, 0)).isEmpty();
        assertThatThrownBy(() -> catalog.prune(RunCatalog.Selection.ids(List.of(r5)))).isInstanceOf(RunCatalog.NotFound.class);
    }

    @Test
    void aSelectionSaysWhichRunsAndRefusesWhatItCannotMean()
    {
        assertThatThrownBy(() -> new RunCatalog.Selection(null, null, null)).isInstanceOf(InvalidRequest.class).hasMessageContaining("--keep N");
        assertThatThrownBy(() -> RunCatalog.Selection.keep(0)).isInstanceOfSatisfying(InvalidRequest.class, e -> assertThat(e.field()).isEqualTo("keep"));
        assertThatThrownBy(() -> new RunCatalog.Selection(1, null, List.of(3L)))
            .isInstanceOfSatisfying(InvalidRequest.class, e -> assertThat(e.field()).isEqualTo("ids"));
        assertThatThrownBy(() -> RunCatalog.Selection.ids(List.of(0L))).hasMessageContaining("live");
        assertThat(RunCatalog.Selection.age("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(RunCatalog.Selection.age("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(RunCatalog.Selection.age("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(RunCatalog.Selection.age("30m")).isEqualTo(Duration.ofMinutes(30));
        for (final String bad : List.of("7", "0d", "7 days", "1y", ""))
        {
            assertThatThrownBy(() -> RunCatalog.Selection.age(bad)).as(bad)
                .isInstanceOfSatisfying(InvalidRequest.class, e -> assertThat(e.field()).isEqualTo("older_than"));
        }
    }

    @Test
    void runsKeepDeletesTheOldestFinishedRunsAfterEachRunEndsButNeverARunningOne() throws Exception
    {
        try (RunRetention retention = RunRetention.attach(service, catalog, 2))
        {
            final long r1 = replay(0, 5);
            final long r2 = replay(5, 10);
            final ReplayRun slow = paused(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN, OPEN.plusSeconds(3600), 1.0));
            final long r3 = replay(10, 15);
            await().atMost(Duration.ofSeconds(30)).until(() -> jobRows(r1) == 0);
            assertThat(partitionExists(r1)).isFalse();
            assertThat(journals.resolve(String.valueOf(r1))).doesNotExist();
            assertThat(List.of(jobRows(r2), jobRows(r3), jobRows(slow.runId()))).containsOnly(1L);

            // the paused run ends (cancelled): it is the newest but one by start, so r2 goes
            slow.control().cancel();
            slow.done().get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> jobRows(r2) == 0);
            assertThat(List.of(jobRows(r3), jobRows(slow.runId()))).containsOnly(1L);
            assertThat(partitionExists(r3)).isTrue();
        }
        assertThatThrownBy(() -> RunRetention.attach(service, catalog, -1)).hasMessageContaining("runs.keep");
    }

    @Test
    void aRunsSizeIsKnownWhileItRunsFromItsPartitionOnDisk() throws Exception
    {
        final ReplayRun slow = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN, OPEN.plusSeconds(3600), 10.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> partitionExists(slow.runId()));
        slow.control().pause();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(slow.runId()).equals("paused"));
        final RunCatalog.Run run = catalog.find(slow.runId()).orElseThrow();
        assertThat(run.size().bytes()).as("its partition on disk").isPositive();
        assertThat(run.size().barRows()).as("bars are counted when the run ends").isNull();
        assertThat(run.size().journalBytes()).isNull();
        assertThat(Files.isDirectory(journals.resolve(String.valueOf(slow.runId())))).isTrue();
        slow.control().cancel();
        slow.done().get(30, TimeUnit.SECONDS);
        assertThat(catalog.find(slow.runId()).orElseThrow().size().barRows()).isNotNull();
    }
}
