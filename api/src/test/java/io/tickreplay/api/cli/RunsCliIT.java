package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.synth.SyntheticSession;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.cli.CliIT.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code tickreplay runs list|show|prune} as a user runs them, in-process, against a real PostgreSQL
 * (a schema of its own per test: a prune sees every run of its store), and {@code runs.keep} after a
 * {@code replay}: what each prints, and its exit code.
 */
class RunsCliIT
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant OPEN = Instant.parse("2025-11-03T14:30:00Z");

    @TempDir
    Path dir;

    private Database db;
    private String url;
    private Path journals;

    @BeforeEach
    void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("runs_cli");
        url = db.url();
        journals = dir.resolve("journal");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(3)
            .hours(LocalTime.of(9, 30), LocalTime.of(10, 30));
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterEach
    void stop()
    {
        db.close();
    }

    private CliIT.Run runs(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("runs"));
        all.addAll(List.of(args));
        all.addAll(List.of("--db-url", url, "--journal-dir", journals.toString()));
        return run(all.toArray(String[]::new));
    }

    /** A burst replay of minutes [from, to) after the open with every signal, by the CLI; its run id. */
    private long replay(final int from, final int to, final String... more) throws Exception
    {
        final List<String> args = new ArrayList<>(List.of("replay", "--quiet", "--db-url", url, "--journal-dir", journals.toString(), "--provider", "ibkr",
            "--symbols", "NVDA,AAPL", "--start", OPEN.plusSeconds(60L * from).toString(), "--end", OPEN.plusSeconds(60L * to).toString(), "--speed", "0",
            "--signals", "all"));
        args.addAll(List.of(more));
        final CliIT.Run replay = run(args.toArray(String[]::new));
        assertThat(replay.exit()).as(replay.err()).isZero();
        return JSON.readTree(replay.out()).get("run_id").asLong();
    }

    private long number(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long jobRows(final long runId) throws Exception
    {
        return number("SELECT count(*) FROM job_runs WHERE id = " + runId);
    }

    @Test
    void listPrintsAnAlignedTableOfWhatEachRunHoldsAndShowPrintsOneAsJson() throws Exception
    {
        final long first = replay(0, 10);
        final long second = replay(10, 20);

        final CliIT.Run list = runs("list");
        assertThat(list.exit()).as(list.err()).isZero();
        final List<String> lines = list.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0).split("\\s+")).containsExactly("run", "status", "provider", "symbols", "start", "end", "ticks", "created", "finished",
            "signal_rows", "signals_mb", "bars", "journal_mb");
        assertThat(lines).as("columns as wide as their widest cell, the last right-aligned").allMatch(l -> l.length() == lines.get(0).length());
        final String[] newest = lines.get(1).trim().split("\\s+");
        final String[] oldest = lines.get(2).trim().split("\\s+");
        assertThat(List.of(Long.parseLong(newest[0]), Long.parseLong(oldest[0]))).containsExactly(second, first);
        for (final String[] row : List.of(newest, oldest))
        {
            assertThat(row).hasSize(13);
            assertThat(row[1]).isEqualTo("completed");
            assertThat(row[3]).isEqualTo("NVDA,AAPL");
            assertThat(Long.parseLong(row[9].replace(",", ""))).as("signal rows").isPositive();
            assertThat(Double.parseDouble(row[10])).as("MB of signal rows").isPositive();
            assertThat(Long.parseLong(row[11].replace(",", ""))).as("bars").isPositive();
            assertThat(Double.parseDouble(row[12])).as("MB of journal").isPositive();
        }
        assertThat(oldest[4]).isEqualTo("2025-11-03T14:30:00Z");
        assertThat(oldest[5]).isEqualTo("2025-11-03T14:40:00Z");

        final JsonNode listed = JSON.readTree(runs("list", "--json").out());
        assertThat(listed.get("runs")).hasSize(2);
        assertThat(listed.get("runs").get(0).get("size").get("bytes").asLong()).isPositive();

        final CliIT.Run show = runs("show", String.valueOf(first));
        assertThat(show.exit()).as(show.err()).isZero();
        final JsonNode run = JSON.readTree(show.out());
        assertThat(run.get("run_id").asLong()).isEqualTo(first);
        assertThat(run.get("size").get("signal_rows").asLong()).isEqualTo(Long.parseLong(oldest[9].replace(",", "")));
        assertThat(run.get("metadata").has("checksum")).isTrue();

        final CliIT.Run unknown = runs("show", "999999");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err().strip().lines()).hasSize(1);
        assertThat(unknown.err()).contains("no replay run 999999");
        assertThat(run("runs").exit()).isEqualTo(2);
    }

    @Test
    void pruneSaysWhatItDeletedAndWhatItFreedAndADryRunDeletesNothing() throws Exception
    {
        final long a = replay(0, 5);
        final long b = replay(5, 10);
        final long c = replay(10, 15);

        final CliIT.Run dry = runs("prune", "--keep", "1", "--dry-run");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("would delete run " + a + " (completed; ibkr NVDA,AAPL; 2025-11-03T14:30:00Z to 2025-11-03T14:35:00Z)")
            .contains("would delete run " + b + " ").doesNotContain("run " + c + " ").contains("nothing was deleted");
        assertThat(List.of(jobRows(a), jobRows(b), jobRows(c))).containsOnly(1L);

        final CliIT.Run keep = runs("prune", "--keep", "2");
        assertThat(keep.exit()).as(keep.err()).isZero();
        assertThat(keep.out()).containsPattern("deleted run " + a + " \\(completed; .*\\): freed [0-9,]+ signal rows, [0-9.]+ MB, [0-9,]+ bars, journal [0-9.]+ MB")
            .containsPattern("freed [0-9.]+ MB from 1 run\\(s\\)").doesNotContain("run " + b + " ");
        assertThat(jobRows(a)).isZero();
        assertThat(number("SELECT count(*) FROM (SELECT to_regclass('signal_rows_r" + a + "') AS t) x WHERE t IS NOT NULL")).isZero();
        assertThat(journals.resolve(String.valueOf(a))).doesNotExist();
        assertThat(journals.resolve(String.valueOf(b))).isDirectory();

        final CliIT.Run byId = runs("prune", String.valueOf(b));
        assertThat(byId.exit()).as(byId.err()).isZero();
        assertThat(byId.out()).contains("deleted run " + b + " ");
        final CliIT.Run gone = runs("prune", String.valueOf(b), String.valueOf(c));
        assertThat(gone.exit()).isEqualTo(2);
        assertThat(gone.err()).contains("no replay run " + b).contains("nothing was deleted");
        assertThat(jobRows(c)).as("the ids are checked before any is deleted").isOne();

        final CliIT.Run young = runs("prune", "--older-than", "7d");
        assertThat(young.exit()).isZero();
        assertThat(young.out()).contains("nothing to delete");
        try (Connection conn = db.connection(); Statement s = conn.createStatement())
        {
            s.execute("UPDATE job_runs SET completed_at = now() - interval '8 days' WHERE id = " + c);
        }
        final CliIT.Run old = runs("prune", "--older-than", "7d");
        assertThat(old.exit()).as(old.err()).isZero();
        assertThat(old.out()).contains("deleted run " + c + " ");
        assertThat(number("SELECT count(*) FROM job_runs WHERE job_name = 'tick_replay'")).isZero();
    }

    @Test
    void badFlagsAreUsageErrorsNamingTheFlagAndDeleteNothing() throws Exception
    {
        final long a = replay(0, 5);
        final List<List<String>> cases = List.of(
            List.of("prune"), List.of("prune", "--keep", "0"), List.of("prune", "--keep", "many"), List.of("prune", "--older-than", "soon"),
            List.of("prune", "--older-than", "0d"), List.of("prune", "--keep", "1", String.valueOf(a)), List.of("prune", "0"),
            List.of("prune", "--nope"), List.of("list", "--limit", "0"), List.of("show", "x"));
        final List<String> names = List.of("--keep N, --older-than D", "--keep", "--keep", "--older-than", "--older-than", "ID", "ID", "--nope", "--limit",
            "(ID)");
        for (int i = 0; i < cases.size(); i++)
        {
            final CliIT.Run bad = runs(cases.get(i).toArray(String[]::new));
            assertThat(bad.exit()).as(cases.get(i) + ": " + bad.err()).isEqualTo(2);
            assertThat(bad.err()).as(cases.get(i).toString()).contains(names.get(i));
        }
        assertThat(jobRows(a)).isOne();
    }

    @Test
    void aPausedRunIsRefusedAndRunsKeepPrunesAfterAReplayButNeverARunningRun() throws Exception
    {
        final long before = replay(0, 5);
        try (InProcessBus bus = new InProcessBus(1 << 12, new SleepingWaitStrategy());
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(journals)
                 .progressIntervalMillis(50).signals(List.of("all"))))
        {
            final ReplayRun slow = service.start(ReplayRequest.fromDatabase("ibkr", List.of("NVDA", "AAPL"), OPEN, OPEN.plusSeconds(3600), 1.0));
            await().atMost(Duration.ofSeconds(30)).until(() -> slow.progress().emitted() > 0);
            slow.control().pause();
            await().atMost(Duration.ofSeconds(30)).until(() -> service.jobs().find(slow.runId()).orElseThrow().status().equals("paused"));

            final CliIT.Run refused = runs("prune", String.valueOf(slow.runId()));
            assertThat(refused.exit()).as(refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains("replay run " + slow.runId() + " is paused").contains("cancel it first");
            assertThat(jobRows(slow.runId())).isOne();

            final Path config = dir.resolve("keep.conf");
            Files.writeString(config, "runs.keep = 1\n");
            final long after = replay(5, 10, "--config", config.toString());
            assertThat(jobRows(before)).as("beyond the newest finished run").isZero();
            assertThat(journals.resolve(String.valueOf(before))).doesNotExist();
            assertThat(List.of(jobRows(after), jobRows(slow.runId()))).containsOnly(1L);

            slow.control().cancel();
            slow.done().get(30, TimeUnit.SECONDS);
        }
        final Path bad = dir.resolve("bad.conf");
        Files.writeString(bad, "runs.keep = -1\n");
        final CliIT.Run negative = run("replay", "--db-url", url, "--config", bad.toString(), "--provider", "ibkr", "--symbols", "NVDA", "--start",
            OPEN.toString(), "--end", OPEN.plusSeconds(60).toString());
        assertThat(negative.exit()).isEqualTo(2);
        assertThat(negative.err()).contains("runs.keep must be >= 0");
    }
}
