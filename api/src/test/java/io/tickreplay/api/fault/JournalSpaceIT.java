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

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A journal whose disk fills up (a real tmpfs, mounted for the test) fails its run at once, saying so,
 * and never leaves it {@code running}: refused before anything is written when the disk is too small
 * to begin with, stopped mid-run when it fills, on the command line and under {@code serve}.
 */
class JournalSpaceIT
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    private static Database db;

    @BeforeAll
    static void data() throws Exception
    {
        db = PostgresTestSupport.freshSchema("journal_space");
        // about 190,000 ticks: a 12 MB journal
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(4).seed(23);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void close()
    {
        db.close();
    }

    /** A tmpfs of {@code megabytes} at a new directory: a file system that really fills up. */
    private static Path tmpfs(final String name, final int megabytes) throws Exception
    {
        final Path mount = Files.createDirectories(dir.resolve(name));
        final Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", mount.toString())
            .redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("mounting a tmpfs for the journal (the test runs as root, as CI does): " + out).isZero();
        return mount;
    }

    private static void unmount(final Path mount) throws Exception
    {
        new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void aDiskTooSmallForAJournalFailsTheRunBeforeItStartsOnTheCommandLine() throws Exception
    {
        final Path tiny = tmpfs("tiny", 2);
        try
        {
            final Path out = dir.resolve("tiny.out");
            final Path err = dir.resolve("tiny.err");
            final Process replay = new ProcessBuilder(ChildJvm.command("256m", "replay", "--db-url", PostgresTestSupport.url(db),
                "--journal-dir", tiny.toString(), "--provider", "ibkr", "--symbols", "NVDA,AAPL",
                "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T21:00:00Z", "--speed", "0", "--signals", "none"))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            assertThat(replay.waitFor(120, TimeUnit.SECONDS)).isTrue();
            final String stderr = Files.readString(err);
            assertThat(replay.exitValue()).as(stderr).isEqualTo(1);
            assertThat(stderr).contains("journal: no space left on " + tiny).contains("MB free").doesNotContain("InternalError")
                .doesNotContain("\tat ");
            final Map<String, Object> job = latest();
            assertThat(job.get("status")).isEqualTo("failed");
            assertThat((String)job.get("error_message")).contains("journal: no space left on " + tiny);
        }
        finally
        {
            unmount(tiny);
        }
    }

    @Test
    void aJournalThatFillsItsDiskFailsTheRunAtOnceUnderServe() throws Exception
    {
        // room for the journal to begin (above its 16 MB reserve) but not for the whole run
        final Path small = tmpfs("small", 20);
        final Path log = dir.resolve("serve.log");
        final ProcessBuilder command = new ProcessBuilder(ChildJvm.command("384m", "serve", "--db-url", PostgresTestSupport.url(db), "--port", "0"))
            .redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("TICKREPLAY_JOURNAL_DIR", small.toString());
        final Process serve = command.start();
        try
        {
            await().atMost(Duration.ofSeconds(120)).until(() -> !serve.isAlive() || Files.readString(log).contains("Ctrl-C to stop"));
            assertThat(serve.isAlive()).as(Files.readString(log)).isTrue();
            final Matcher url = Pattern.compile("API: (http://\\S+)").matcher(Files.readString(log));
            assertThat(url.find()).isTrue();
            final String base = url.group(1);
            final HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/replay/ticks"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                    "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T21:00:00Z\", " +
                    "\"speed\": 0, \"signals\": \"none\"}")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            final long runId = JSON.readTree(started.body()).get("run_id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> !"running".equals(get(base + "/v1/replay/ticks/" + runId).get("status").asText()));
            final JsonNode job = get(base + "/v1/replay/ticks/" + runId);
            assertThat(job.get("status").asText()).isEqualTo("failed");
            assertThat(job.get("error_message").asText()).startsWith("journal: no space left on " + small).contains("MB free");
            assertThat(job.get("rows_written").asLong()).as("it ran until the disk filled").isPositive();
            assertThat(get(base + "/health").get("active_replays").asInt()).as("its slot is free").isZero();
            assertThat(Files.readString(log)).doesNotContain("InternalError");
        }
        finally
        {
            serve.destroy();
            serve.waitFor(60, TimeUnit.SECONDS);
            unmount(small);
        }
    }

    private static JsonNode get(final String url) throws Exception
    {
        final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static Map<String, Object> latest() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status, error_message FROM job_runs WHERE job_name = 'tick_replay' ORDER BY id DESC LIMIT 1"))
        {
            assertThat(rs.next()).isTrue();
            return Map.of("status", rs.getString(1), "error_message", String.valueOf(rs.getString(2)));
        }
    }
}
