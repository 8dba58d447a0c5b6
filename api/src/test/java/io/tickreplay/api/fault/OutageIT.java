package io.tickreplay.api.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.EmbeddedPostgresServer;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.http.ApiServer;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.synth.SyntheticSession;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database goes away under a running replay, for real: the embedded postmaster killed with
 * {@code kill -9} under a {@code serve} of its own, and an external server stopped and started again.
 * What is promised (docs/reliability.md): the run fails within seconds with a message, {@code /health}
 * answers at once (503 with the reason) for the whole outage, the job row says how the run ended as soon
 * as the database is back, and the next replay completes.
 */
class OutageIT
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REPLAY = "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", " +
        "\"end\": \"2025-11-03T21:00:00Z\", \"speed\": 30, \"signals\": \"all\"}";

    @TempDir
    Path dir;

    record Reply(int status, JsonNode json, long millis)
    {
    }

    private static Reply call(final String method, final String url, final String body, final Duration timeout) throws Exception
    {
        final long t0 = System.nanoTime();
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json");
        final HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        final long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        final String text = response.body();
        return new Reply(response.statusCode(), text.startsWith("{") ? JSON.readTree(text) : null, millis);
    }

    private static int freePort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    /** Polls /health every 100 ms until {@code status} answers; returns the slowest answer seen, in ms. */
    private static long healthUntil(final String base, final int status, final Duration within) throws Exception
    {
        long slowest = 0;
        final long deadline = System.nanoTime() + within.toNanos();
        while (true)
        {
            final Reply health = call("GET", base + "/health", null, Duration.ofSeconds(5));
            slowest = Math.max(slowest, health.millis());
            if (health.status() == status)
            {
                return slowest;
            }
            assertThat(System.nanoTime()).as("/health reached %d", status).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void theEmbeddedPostmasterKilledUnderServeIsStartedAgainAndTheRunFailsAndSaysSo() throws Exception
    {
        final Path pg = dir.resolve("pg");
        final Process generate = new ProcessBuilder(ChildJvm.command("512m", "generate", "--pg-dir", pg.toString(), "--provider", "ibkr",
            "--symbols", "NVDA,AAPL", "--rate", "1", "--seed", "3")).redirectErrorStream(true).redirectOutput(dir.resolve("generate.log").toFile()).start();
        assertThat(generate.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(generate.exitValue()).as(Files.readString(dir.resolve("generate.log"))).isZero();

        final int port = freePort();
        final String base = "http://127.0.0.1:" + port;
        final Path noGrace = dir.resolve("no-grace.conf");
        Files.writeString(noGrace, "db.outage-grace = 0s\n"); // this test watches the run fail; the grace is tested below
        final ProcessBuilder serveCommand = new ProcessBuilder(ChildJvm.command("512m", "serve", "--config", noGrace.toString(), "--pg-dir",
            pg.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1")).redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile());
        serveCommand.environment().put("TICKREPLAY_JOURNAL_DIR", dir.resolve("journal").toString());
        final Process serve = serveCommand.start();
        try
        {
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
            {
                assertThat(serve.isAlive()).as(Files.readString(dir.resolve("serve.log"))).isTrue();
                return call("GET", base + "/health", null, Duration.ofSeconds(2)).status() == 200;
            });
            final Reply started = call("POST", base + "/v1/replay/ticks", REPLAY, Duration.ofSeconds(30));
            assertThat(started.status()).as(String.valueOf(started.json())).isEqualTo(200);
            final long runId = started.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", base + "/v1/replay/ticks/" + runId, null, Duration.ofSeconds(5)).json()
                .get("rows_written").asLong() > 0);

            final long postmaster = EmbeddedPostgresServer.postmasterPid(pg).orElseThrow();
            assertThat(new ProcessBuilder("kill", "-9", String.valueOf(postmaster)).start().waitFor()).isZero();

            final long slowestWhileDown = healthUntil(base, 503, Duration.ofSeconds(30));
            final JsonNode failed = await().atMost(Duration.ofSeconds(90)).until(
                () -> call("GET", base + "/v1/replay/ticks/" + runId, null, Duration.ofSeconds(5)).json(),
                j -> j != null && j.has("status") && j.get("status").asText().equals("failed"));
            assertThat(failed.get("error_message").asText()).isNotBlank();
            final long slowestUntilBack = healthUntil(base, 200, Duration.ofSeconds(90));
            assertThat(EmbeddedPostgresServer.postmasterPid(pg).orElseThrow()).as("a new postmaster").isNotEqualTo(postmaster);

            // the next replay completes, and another command in the same directory is not locked out
            final Reply next = call("POST", base + "/v1/replay/ticks", REPLAY.replace("\"speed\": 30", "\"speed\": 0")
                .replace("21:00:00Z", "15:00:00Z"), Duration.ofSeconds(30));
            assertThat(next.status()).as(String.valueOf(next.json())).isEqualTo(200);
            final long nextId = next.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(120)).until(() -> call("GET", base + "/v1/replay/ticks/" + nextId, null, Duration.ofSeconds(5)).json()
                .get("status").asText().equals("completed"));
            final Process export = new ProcessBuilder(ChildJvm.command("512m", "export", "ticks", "--pg-dir", pg.toString(), "--provider", "ibkr",
                "--symbols", "NVDA", "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T15:00:00Z", "--output", dir.resolve("t.csv").toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("export.log").toFile()).start();
            assertThat(export.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(export.exitValue()).as(Files.readString(dir.resolve("export.log"))).isZero();
            System.out.printf("OutageIT embedded: slowest /health while down %d ms, until back %d ms; run failed with: %s%n", slowestWhileDown,
                slowestUntilBack, failed.get("error_message").asText());

            // SIGTERM to serve under a running replay: the replay is cancelled and says so, the database stops, exit 0
            final Reply slow = call("POST", base + "/v1/replay/ticks", REPLAY, Duration.ofSeconds(30));
            final long slowId = slow.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> call("GET", base + "/v1/replay/ticks/" + slowId, null, Duration.ofSeconds(5)).json()
                .get("rows_written").asLong() > 0);
            final long postmasterNow = EmbeddedPostgresServer.postmasterPid(pg).orElseThrow();
            final long t0 = System.nanoTime();
            assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(serve.pid())).start().waitFor()).isZero();
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as("serve stops after SIGTERM").isTrue();
            final long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(serve.exitValue()).as(Files.readString(dir.resolve("serve.log"))).isZero();
            // a clean shutdown removes postmaster.pid (the process itself may linger as a zombie where nothing reaps orphans)
            assertThat(pg.resolve("postmaster.pid")).as("the embedded server (pid %d) is stopped", postmasterNow).doesNotExist();
            try (Database again = Database.open(null, pg, 2);
                 java.sql.Connection c = again.connection();
                 java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT status FROM job_runs WHERE id = " + slowId))
            {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("cancelled");
            }
            System.out.printf("OutageIT embedded: serve stopped %d ms after SIGTERM with a replay running%n", stopMillis);
        }
        finally
        {
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS))
            {
                serve.destroyForcibly();
            }
            EmbeddedPostgresServer.postmasterPid(pg).ifPresent(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy));
        }
    }

    @Test
    void anExternalServerStoppedMidReplayFailsTheRunAndItsRowIsWrittenWhenTheServerIsBack() throws Exception
    {
        final Path data = dir.resolve("external");
        EmbeddedPostgres external = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
        final int pgPort = external.getPort();
        final String url = "jdbc:postgresql://localhost:" + pgPort + "/postgres?user=postgres";
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Database db = Database.open(url, null, 16);
             InProcessBus bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
             ReplayService replays = new ReplayService(db, bus, registry, new ReplayService.Context().journalDir(dir.resolve("journal"))
                 .progressIntervalMillis(200).outageGrace(Duration.ZERO));
             ExportService exports = new ExportService(db, 1);
             ApiServer api = new ApiServer(new ApiServer.Context().port(0).maxBodyBytes(16384).exportDir(dir.resolve("exports")), db, replays, exports, registry))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(4);
            new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            final String base = "http://127.0.0.1:" + api.start();
            final Reply started = call("POST", base + "/v1/replay/ticks", REPLAY, Duration.ofSeconds(30));
            assertThat(started.status()).isEqualTo(200);
            final long runId = started.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> replays.active(runId).map(r -> r.progress().emitted() > 0).orElse(false));

            external.close(); // the server stops (pg_ctl stop, fast): every connection is dropped
            final long slowestWhileDown = healthUntil(base, 503, Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(60)).until(() -> replays.active(runId).isEmpty());
            // while the server is down: the job cannot be read, but the API answers at once
            final Reply duringOutage = call("GET", base + "/v1/replay/ticks/" + runId, null, Duration.ofSeconds(30));
            assertThat(duringOutage.status()).isGreaterThanOrEqualTo(500);
            assertThat(duringOutage.millis()).as("a read during the outage fails fast (db.acquire-timeout-seconds), not after 30 s").isLessThan(25_000);

            external = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(pgPort).start();
            healthUntil(base, 200, Duration.ofSeconds(60));
            final JsonNode job = await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(
                () -> call("GET", base + "/v1/replay/ticks/" + runId, null, Duration.ofSeconds(5)).json(),
                j -> !j.get("status").asText().equals("running"));
            assertThat(job.get("status").asText()).isEqualTo("failed");
            assertThat(job.get("error_message").asText()).isNotBlank();
            final Reply next = call("POST", base + "/v1/replay/ticks", REPLAY.replace("\"speed\": 30", "\"speed\": 0").replace("21:00:00Z", "15:00:00Z"),
                Duration.ofSeconds(30));
            assertThat(next.status()).isEqualTo(200);
            final long nextId = next.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(120)).until(() -> call("GET", base + "/v1/replay/ticks/" + nextId, null, Duration.ofSeconds(5)).json()
                .get("status").asText().equals("completed"));
            System.out.printf("OutageIT external: slowest /health while down %d ms; run failed with: %s%n", slowestWhileDown,
                job.get("error_message").asText());
        }
        finally
        {
            external.close();
        }
    }

    @Test
    void aServerBackWithinTheOutageGraceResumesTheRunToTheEndOfAnUninterruptedOne() throws Exception
    {
        final Path data = dir.resolve("grace");
        EmbeddedPostgres external = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).start();
        final int pgPort = external.getPort();
        final String url = "jdbc:postgresql://localhost:" + pgPort + "/postgres?user=postgres";
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Database db = Database.open(url, null, 16);
             InProcessBus bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
             ReplayService replays = new ReplayService(db, bus, registry, new ReplayService.Context().journalDir(dir.resolve("journal"))
                 .progressIntervalMillis(200).checkpointInterval(Duration.ofMillis(200)).outageGrace(Duration.ofSeconds(60))))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(4);
            new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            final java.time.Instant start = java.time.Instant.parse("2025-11-03T14:30:00Z");
            final java.time.Instant end = java.time.Instant.parse("2025-11-03T15:00:00Z");
            final io.tickreplay.api.replay.ReplayRun run = replays.start(io.tickreplay.api.replay.ReplayRequest.fromDatabase("ibkr",
                List.of("NVDA", "AAPL"), start, end, 100.0).withSignals(List.of("all")));
            await().atMost(Duration.ofSeconds(60)).until(() -> run.progress().emitted() > 500);
            Thread.sleep(500); // a checkpoint or two

            external.close(); // the server stops under the run
            assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(io.tickreplay.engine.replay.ReplayOutcome.Status.FAILED);
            Thread.sleep(2_000);
            external = EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(pgPort).start();

            // within the grace: resumed under the same id, from its checkpoint, to the end
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() ->
                replays.active(run.runId()).isEmpty() && status(db, run.runId()).equals("completed"));
            final java.util.Map<String, Object> resumed = replays.jobs().find(run.runId()).orElseThrow().metadata();
            assertThat(resumed).containsKey("resumed_from");

            final io.tickreplay.api.replay.ReplayRun whole = replays.start(io.tickreplay.api.replay.ReplayRequest.fromDatabase("ibkr",
                List.of("NVDA", "AAPL"), start, end, 0.0).withSignals(List.of("none")).withJournal(false));
            final io.tickreplay.engine.replay.ReplayOutcome reference = whole.done().get(120, TimeUnit.SECONDS);
            assertThat(resumed.get("checksum")).as("the stream of an uninterrupted run").isEqualTo(reference.checksumHex());
            assertThat(((Number)resumed.get("ticks")).longValue()).isEqualTo(reference.ticks());
        }
        finally
        {
            external.close();
        }
    }

    private static String status(final Database db, final long runId) throws Exception
    {
        try (java.sql.Connection c = db.connection(); java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT status FROM job_runs WHERE id = " + runId))
        {
            return rs.next() ? rs.getString(1) : "";
        }
    }
}
