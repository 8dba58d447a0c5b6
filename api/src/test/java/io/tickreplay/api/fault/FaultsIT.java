package io.tickreplay.api.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults caused for real, against processes of their own: a signal to a running command, then what
 * it promised (docs/reliability.md).
 */
class FaultsIT
{
    @TempDir
    static Path dir;

    private static Database db;

    @BeforeAll
    static void data() throws Exception
    {
        db = PostgresTestSupport.freshSchema("faults");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(5);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void close()
    {
        db.close();
    }

    private static String status(final long runId) throws Exception
    {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status FROM job_runs WHERE id = " + runId))
        {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long latestRun() throws Exception
    {
        try (Connection c = db.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM job_runs WHERE job_name = 'tick_replay'"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void signal(final Process process, final String name) throws Exception
    {
        assertThat(new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start().waitFor()).isZero();
    }

    @Test
    void ctrlCOnReplayCancelsTheRunPrintsTheJobAndExitsOne() throws Exception
    {
        final long before = latestRun();
        final Path out = dir.resolve("ctrl-c.out");
        final Path err = dir.resolve("ctrl-c.err");
        final Process replay = new ProcessBuilder(ChildJvm.command("256m", "replay", "--db-url", PostgresTestSupport.url(db),
            "--journal-dir", dir.resolve("journal").toString(), "--provider", "ibkr", "--symbols", "NVDA,AAPL",
            "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T21:00:00Z", "--speed", "1", "--signals", "none"))
            .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try
        {
            await().atMost(Duration.ofSeconds(60)).until(() -> latestRun() > before && "running".equals(status(latestRun())));
            signal(replay, "INT");
            assertThat(replay.waitFor(60, TimeUnit.SECONDS)).as("the replay ends after Ctrl-C").isTrue();
            assertThat(replay.exitValue()).as(Files.readString(err)).isEqualTo(1);
            final JsonNode job = new ObjectMapper().readTree(Files.readString(out));
            assertThat(job.get("run_id").asLong()).isEqualTo(latestRun());
            assertThat(job.get("status").asText()).isEqualTo("cancelled");
            assertThat(status(latestRun())).isEqualTo("cancelled");
            assertThat(Files.readString(err)).contains("run " + latestRun() + " cancelled");
        }
        finally
        {
            replay.destroyForcibly();
        }
    }

    @Test
    void anEmbeddedServerOrphanedByKill9IsSeenAndStoppedByDbStop() throws Exception
    {
        final Path pg = dir.resolve("orphan-pg");
        final Path log = dir.resolve("orphan-serve.log");
        final Process serve = new ProcessBuilder(ChildJvm.command("256m", "serve", "--pg-dir", pg.toString(), "--port", "0", "--bind", "127.0.0.1"))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(log) && Files.readString(log).contains("Ctrl-C to stop"));
            final Run owned = cli("db", "status", "--pg-dir", pg.toString());
            assertThat(owned.out()).contains("running").contains("owned by a running tickreplay process");
            final Run psql = cli("db", "psql", "--pg-dir", pg.toString(), "--", "-At", "-c", "SELECT count(*) FROM job_runs WHERE false");
            assertThat(psql.exit()).as(psql.err()).isZero();
            assertThat(psql.out().strip()).as("the seed's SQL runs as written, on the schema the server holds").isEqualTo("0");
            final Run refused = cli("db", "stop", "--pg-dir", pg.toString());
            assertThat(refused.exit()).as("a server a live process owns is that process's to stop").isEqualTo(1);

            assertThat(new ProcessBuilder("kill", "-9", String.valueOf(serve.pid())).start().waitFor()).isZero();
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
            final Run orphaned = cli("db", "status", "--pg-dir", pg.toString());
            assertThat(orphaned.exit()).as(orphaned.out()).isZero();
            assertThat(orphaned.out()).contains("orphaned").contains("answers");
            final Run stop = cli("db", "stop", "--pg-dir", pg.toString());
            assertThat(stop.exit()).as(stop.out() + stop.err()).isZero();
            assertThat(pg.resolve("postmaster.pid")).doesNotExist();
            assertThat(cli("db", "status", "--pg-dir", pg.toString()).out()).contains("stopped");
        }
        finally
        {
            serve.destroyForcibly();
            io.tickreplay.adapters.postgres.EmbeddedPostgresServer.postmasterPid(pg).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
        }
    }

    record Run(int exit, String out, String err)
    {
    }

    private static Run cli(final String... args) throws Exception
    {
        final Path out = Files.createTempFile(dir, "cli", ".out");
        final Path err = Files.createTempFile(dir, "cli", ".err");
        final Process p = new ProcessBuilder(ChildJvm.command("256m", args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }
}
