package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The HTTP API against a live server on a real PostgreSQL, as its clients use it: HttpClient, the seed's curl and Python examples. */
class ApiIT
{
    private static final String TOKEN = "s3cret-token";

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static Database db;
    private static ReplayService replays;
    private static ApiServer open;
    private static ApiServer guarded;
    private static String base;
    private static String guardedBase;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("api", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL", "MSFT")).ticksPerSecond(1).seed(8),
            new ReplayService.Context().journalDir(dir.resolve("journal")).ticksRingSize(1 << 14).progressIntervalMillis(100));
        db = services.db;
        replays = services.replays;
        open = services.server(new ApiServer.Context().port(0).maxBodyBytes(16384).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + open.start();
        guarded = services.server(new ApiServer.Context().port(0).token(TOKEN).maxBodyBytes(16384).exportDir(dir.resolve("exports")));
        guardedBase = "http://127.0.0.1:" + guarded.start();
    }

    @AfterAll
    static void stop()
    {
        open.close();
        guarded.close();
        services.close();
    }

    private static Reply get(final String path) throws Exception
    {
        return call("GET", base + path, null);
    }

    private static Reply post(final String path, final String body) throws Exception
    {
        return call("POST", base + path, body);
    }

    private static long jobCount() throws Exception
    {
        return services.jobCount();
    }

    private static JsonNode awaitStatus(final long runId, final String status) throws Exception
    {
        await().atMost(Duration.ofSeconds(90)).until(() -> get("/v1/replay/ticks/" + runId).json().get("status").asText().equals(status));
        return get("/v1/replay/ticks/" + runId).json();
    }

    private static String run(final Path dirToRunIn, final String... command) throws Exception
    {
        final Path stderr = Files.createTempFile(dirToRunIn, "stderr", ".txt");
        final Process p = new ProcessBuilder(command).directory(dirToRunIn.toFile()).redirectError(stderr.toFile()).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out + Files.readString(stderr)).isZero();
        return out;
    }

    private static String seedExample(final String name) throws IOException
    {
        try (var in = ApiIT.class.getResourceAsStream("/seed/" + name))
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("http://pipeline-api:8083", base).replace("http://localhost:8083", base);
        }
    }

    @Test
    void theSeedsCurlExampleStartsAReplayAndItsJobAnswersWithTheSeedsFields() throws Exception
    {
        final Path script = dir.resolve("training.sh");
        Files.writeString(script, seedExample("training_data_replay.sh"));
        final JsonNode job = ApiServices.JSON.readTree(run(dir, "bash", script.toString()));
        final List<String> fields = new ArrayList<>();
        job.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("run_id", "job_name", "provider", "status", "symbols", "rows_written", "min_ts", "max_ts", "started_at",
            "completed_at", "error_message", "metadata");
        assertThat(job.get("job_name").asText()).isEqualTo("tick_replay");
        assertThat(job.get("status").asText()).isIn("running", "completed");
        assertThat(job.get("symbols").toString()).isEqualTo("[\"NVDA\",\"AAPL\",\"MSFT\"]");
        assertThat(job.get("min_ts").asText()).isEqualTo("2025-10-01T09:30:00Z");
        assertThat(job.get("metadata").get("speed").asDouble()).isZero();
        final JsonNode done = awaitStatus(job.get("run_id").asLong(), "completed");
        assertThat(done.get("completed_at").isNull()).isFalse();
    }

    @Test
    void theSeedsPythonRequestsExamplesRunAsWritten() throws Exception
    {
        final Path backtest = dir.resolve("backtest.py");
        Files.writeString(backtest, "import requests\n" + seedExample("backtest.py"));
        assertThat(run(dir, "python3", backtest.toString())).matches("(?s)Replayed [0-9]+ ticks\\s*");

        final Path panel = dir.resolve("panel.py");
        Files.writeString(panel, "import json, requests\n" + seedExample("control_panel_api_calls.py") + "\nprint(json.dumps(status))\n");
        final JsonNode status = ApiServices.JSON.readTree(run(dir, "python3", panel.toString()));
        assertThat(status.get("provider").asText()).isEqualTo("ibkr");
        assertThat(status.get("status").asText()).isIn("running", "completed");
        assertThat(status.get("metadata").get("speed").asDouble()).isEqualTo(10.0);
        // an hour at 10x takes six minutes: the test does not wait for it
        final long runId = status.get("run_id").asLong();
        assertThat(post("/v1/replay/ticks/" + runId + "/cancel", null).json().get("status").asText()).isEqualTo("cancelled");
    }

    static Stream<Arguments> badRequests()
    {
        final String ok = "\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"";
        final StringBuilder many = new StringBuilder();
        for (int i = 0; i < 1001; i++)
        {
            many.append(i == 0 ? "" : ",").append("\"S").append(i).append('"');
        }
        return Stream.of(
            Arguments.of("{\"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "provider"),
            Arguments.of("{\"provider\": 42, \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "provider"),
            Arguments.of("{\"provider\": \"ib kr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "provider"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": \"NVDA\", \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [1], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NV;DA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [" + many + "], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "symbols"),
            Arguments.of("{" + ok + ", \"padding\": \"" + "x".repeat(20_000) + "\"}", 413, null),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"yesterday\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "start"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": 1762178400, \"end\": \"2025-11-03T15:00:00Z\"}", 400, "start"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"1762178400.5\", \"end\": \"2025-11-03T15:00:00Z\"}", 400, "start"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"+12025-11-03T15:00:00Z\"}", 400, "end"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\"}", 400, "end"),
            Arguments.of("{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T15:00:00Z\", \"end\": \"2025-11-03T14:00:00Z\"}", 400, "end"),
            Arguments.of("{" + ok + ", \"speed\": -1}", 400, "speed"),
            Arguments.of("{" + ok + ", \"speed\": \"fast\"}", 400, "speed"),
            Arguments.of("{" + ok + ", \"speed\": 1e999}", 400, "speed"),
            Arguments.of("{" + ok + ", \"speed\": 1e-15}", 400, "speed"), // too slow to schedule: refused, naming the floor
            Arguments.of("{" + ok + ", \"sped\": 1}", 400, "sped"),
            Arguments.of("{" + ok + ", \"signals\": [\"nope\"]}", 400, "signals"),
            Arguments.of("{" + ok + ", \"journal\": \"yes\"}", 400, "journal"),
            Arguments.of("{" + ok + ", \"source\": \"kafka\"}", 400, "source"),
            Arguments.of("{\"source\": \"journal\"}", 400, "journal_run_id"),
            Arguments.of("{\"source\": \"journal\", \"journal_run_id\": 999999}", 400, "journal_run_id"),
            Arguments.of("{\"source\": \"journal\", \"journal_run_id\": 1, \"provider\": \"ibkr\"}", 400, "provider"),
            Arguments.of("{" + ok + ",}", 400, null),
            Arguments.of("{" + ok, 400, null),
            Arguments.of("[1, 2]", 400, null),
            Arguments.of("", 400, null),
            Arguments.of("{" + ok + "} {}", 400, null));
    }

    @ParameterizedTest(name = "{index}: {1} {2}")
    @MethodSource("badRequests")
    void aBadReplayRequestGetsA4xxNamingTheFieldAndStartsNothing(final String body, final int status, final String field) throws Exception
    {
        final long jobs = jobCount();
        final Reply reply = post("/v1/replay/ticks", body);
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.json().get("error").asText()).isNotBlank();
        if (field == null)
        {
            assertThat(reply.json().get("field").isNull()).isTrue();
        }
        else
        {
            assertThat(reply.json().get("field").asText()).isEqualTo(field);
        }
        assertThat(jobCount()).as("no job started").isEqualTo(jobs);
    }

    @Test
    void otherRefusalsAreJsonWithTheirStatus() throws Exception
    {
        assertThat(get("/v1/replay/ticks/424242").status()).isEqualTo(404);
        assertThat(get("/v1/replay/ticks/424242").json().get("field").asText()).isEqualTo("run_id");
        assertThat(get("/v1/replay/ticks/abc").status()).isEqualTo(400);
        assertThat(get("/v1/nothing").status()).isEqualTo(404);
        assertThat(call("DELETE", base + "/v1/replay/ticks", null).status()).isEqualTo(405);
        final Reply xml = call("POST", base + "/v1/replay/ticks", "<replay/>", "Content-Type", "text/xml");
        assertThat(xml.status()).isEqualTo(415);
        assertThat(xml.json().get("field").asText()).isEqualTo("Content-Type");
        assertThat(get("/v1/replay/ticks?status=lost").json().get("field").asText()).isEqualTo("status");
        assertThat(get("/v1/replay/ticks?limit=0").json().get("field").asText()).isEqualTo("limit");
        assertThat(get("/v1/signals?limit=1000001").json().get("field").asText()).isEqualTo("limit");
        assertThat(get("/v1/signals?colour=red").json().get("field").asText()).isEqualTo("colour");
        assertThat(get("/v1/bars?interval=2m").json().get("field").asText()).isEqualTo("interval");
        assertThat(get("/v1/signals?start=2025-11-03T15:00:00Z&end=2025-11-03T14:00:00Z").json().get("field").asText()).isEqualTo("end");
        // a finished run cannot be controlled
        final long runId = post("/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", " +
            "\"end\": \"2025-11-03T14:10:00Z\", \"speed\": 0, \"signals\": \"none\"}").json().get("run_id").asLong();
        awaitStatus(runId, "completed");
        final Reply late = post("/v1/replay/ticks/" + runId + "/pause", null);
        assertThat(late.status()).isEqualTo(409);
        assertThat(late.json().get("field").asText()).isEqualTo("run_id");
    }

    @Test
    void aTokenGuardsEveryRouteButHealthAndTheDocument() throws Exception
    {
        final String body = "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:00:00Z\", \"end\": \"2025-11-03T14:01:00Z\", " +
            "\"speed\": 0, \"signals\": \"none\"}";
        final long jobs = jobCount();
        final Reply none = call("POST", guardedBase + "/v1/replay/ticks", body);
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.json().get("field").asText()).isEqualTo("Authorization");
        assertThat(call("POST", guardedBase + "/v1/replay/ticks", body, "Authorization", "Bearer wrong").status()).isEqualTo(401);
        assertThat(call("POST", guardedBase + "/v1/replay/ticks", body, "Authorization", TOKEN).status()).isEqualTo(401);
        assertThat(call("POST", guardedBase + "/v1/exports", "{}").status()).isEqualTo(401);
        assertThat(call("POST", guardedBase + "/v1/replay/ticks/1/cancel", null).status()).isEqualTo(401);
        assertThat(jobCount()).isEqualTo(jobs);
        final Reply ok = call("POST", guardedBase + "/v1/replay/ticks", body, "Authorization", "bearer " + TOKEN); // the scheme is case-insensitive
        assertThat(ok.status()).as(ok.text()).isEqualTo(200);
        final String job = guardedBase + "/v1/replay/ticks/" + ok.json().get("run_id").asLong();
        // reads need it too (api.public-reads is false): job rows name this host's pid and paths
        assertThat(call("GET", job, null).status()).isEqualTo(401);
        assertThat(call("GET", job, null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(call("GET", guardedBase + "/metrics", null).status()).isEqualTo(401);
        assertThat(call("GET", guardedBase + "/health", null).status()).isEqualTo(200);
        assertThat(call("GET", guardedBase + "/openapi.json", null).status()).isEqualTo(200);
    }

    @Test
    void aRunIsPausedResumedSpedUpSeekedAndCancelledLive() throws Exception
    {
        final JsonNode started = post("/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", " +
            "\"end\": \"2025-11-03T21:00:00Z\", \"speed\": 1, \"signals\": \"none\"}").json();
        final long runId = started.get("run_id").asLong();
        final String run = "/v1/replay/ticks/" + runId;
        assertThat(post(run + "/pause", null).json().get("status").asText()).isEqualTo("paused");
        assertThat(replays.active(runId).orElseThrow().control().paused()).isTrue();
        assertThat(post(run + "/resume", null).json().get("status").asText()).isEqualTo("running");
        assertThat(post(run + "/speed", "{\"speed\": 1000}").status()).isEqualTo(200);
        assertThat(replays.active(runId).orElseThrow().control().speed()).isEqualTo(1000.0);
        assertThat(post(run + "/speed", "{\"speed\": -3}").json().get("field").asText()).isEqualTo("speed");
        assertThat(post(run + "/speed", "{\"speed\": 1e-15}").json().get("error").asText()).contains("at least 0.001");
        assertThat(post(run + "/speed", "{\"pace\": 3}").json().get("field").asText()).isEqualTo("pace");
        assertThat(post(run + "/seek", "{\"to\": \"2025-11-03T20:00:00Z\"}").status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> replays.active(runId).map(r -> r.progress().lastTsMicros()).orElse(Long.MAX_VALUE)
            >= io.tickreplay.engine.tick.Micros.of(java.time.Instant.parse("2025-11-03T20:00:00Z")));
        assertThat(post(run + "/seek", "{\"to\": \"2025-11-03T15:00:00Z\"}").json().get("field").asText()).isEqualTo("to");
        final JsonNode cancelled = post(run + "/cancel", null).json();
        assertThat(cancelled.get("status").asText()).isEqualTo("cancelled");
        assertThat(cancelled.get("completed_at").isNull()).isFalse();
        final JsonNode listed = get("/v1/replay/ticks?status=cancelled&provider=ibkr&limit=1").json();
        assertThat(listed.get("runs").get(0).get("run_id").asLong()).isEqualTo(runId);
        assertThat(listed.get("limit").asInt()).isEqualTo(1);
    }

    @Test
    void signalsBarsAndMetricsOfABurstReplay() throws Exception
    {
        final long runId = post("/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", " +
            "\"end\": \"2025-11-03T16:00:00Z\", \"speed\": 0, \"signals\": [\"spread_bps\", \"vwap_deviation_bps\"]}").json().get("run_id").asLong();
        final JsonNode job = awaitStatus(runId, "completed");
        final JsonNode signals = get("/v1/signals?provider=ibkr&symbol=NVDA&name=spread_bps&replay_run_id=" + runId + "&limit=5").json();
        assertThat(signals.get("count").asInt()).isEqualTo(5);
        final Iterator<JsonNode> rows = signals.get("signals").elements();
        String previous = "";
        while (rows.hasNext())
        {
            final JsonNode row = rows.next();
            assertThat(row.get("name").asText()).isEqualTo("spread_bps");
            assertThat(row.get("metadata").get("replay_run_id").asLong()).isEqualTo(runId);
            assertThat(row.get("ts").asText()).isGreaterThan(previous).isLessThan("2025-11-03T16:00:00Z");
            previous = row.get("ts").asText();
        }
        final JsonNode bars = get("/v1/bars?provider=ibkr&symbol=AAPL&interval=5m&start=2025-11-03T14:30:00Z&end=2025-11-03T16:00:00Z").json();
        assertThat(bars.get("count").asInt()).isEqualTo(18);
        assertThat(bars.get("bars").get(0).get("ts").asText()).isEqualTo("2025-11-03T14:30:00Z");

        final String metrics = get("/metrics").text();
        assertThat(metrics).contains("tick_replay_ticks_emitted_total{provider=\"ibkr\",run_id=\"" + runId + "\",symbol=\"NVDA\"}")
            .contains("tick_replay_lag_ms{run_id=\"" + runId + "\"}")
            .contains("tick_replay_errors_total{run_id=\"" + runId + "\"} 0.0")
            .contains("signals_written_total{name=\"spread_bps\"}")
            .contains("signals_compute_duration_seconds{name=\"spread_bps\",quantile=\"0.99\"}")
            .contains("jvm_memory_used_bytes")
            // engine internals: rings, per-stage latency in fixed buckets, writer batches, journal bytes
            .contains("tickreplay_ring_remaining{ring=\"ticks\",run_id=\"" + runId + "\"}")
            .contains("tickreplay_ring_remaining{ring=\"signals-0\",run_id=\"" + runId + "\"}")
            .containsPattern("tickreplay_stage_latency_seconds_bucket\\{stage=\"signals-0\",le=\"1.0E-4\"\\} [0-9]")
            .containsPattern("tickreplay_signal_writer_batch_rows_count [1-9]")
            .containsPattern("tickreplay_journal_bytes_total\\{run_id=\"" + runId + "\"\\} [1-9]");
        assertThat(job.get("rows_written").asLong()).isPositive();
    }

    @Test
    void anExportThroughTheApiIsTrackedAndItsFileDownloadsWhole() throws Exception
    {
        final Reply started = post("/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"MSFT\"], " +
            "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\", \"format\": \"parquet\", \"output\": \"nvda-msft.parquet\"}");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        final long id = started.json().get("run_id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/v1/exports/" + id).json().get("status").asText().equals("completed"));
        final JsonNode job = get("/v1/exports/" + id).json();
        assertThat(job.get("job_name").asText()).isEqualTo("tick_export");
        assertThat(job.get("download").asText()).isEqualTo("/v1/exports/" + id + "/download");
        final HttpResponse<byte[]> file = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/exports/" + id + "/download")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.headers().firstValue("Content-Disposition").orElse("")).contains("nvda-msft.parquet");
        final Path downloaded = dir.resolve("downloaded.parquet");
        Files.write(downloaded, file.body());
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery("SELECT count(*) FROM read_parquet('" + downloaded + "')"))
        {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(job.get("rows_written").asLong()).isPositive();
        }
        assertThat(get("/v1/exports?limit=5").json().get("exports").get(0).get("run_id").asLong()).isEqualTo(id);
        final Reply escape = post("/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\", \"output\": \"../../etc/x.csv\"}");
        assertThat(escape.status()).isEqualTo(400);
        assertThat(escape.json().get("field").asText()).isEqualTo("output");
        assertThat(post("/v1/exports", "{\"dataset\": \"quotes\"}").json().get("field").asText()).isEqualTo("dataset");
        // the same name again would make the first export's download serve other rows: refused
        final Reply again = post("/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\", \"output\": \"nvda-msft.parquet\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().get("field").asText()).isEqualTo("output");
        // the cockpit's dataset names (seed 4.3): bars_1m, bars_5m, bars_1h
        final Reply bars = post("/v1/exports", "{\"dataset\": \"bars_5m\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\", \"format\": \"csv\"}");
        assertThat(bars.status()).as(bars.text()).isEqualTo(200);
        assertThat(bars.json().get("metadata").get("dataset").asText()).isEqualTo("bars");
        assertThat(bars.json().get("metadata").get("interval").asText()).isEqualTo("5m");
        assertThat(post("/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"-5000-01-01T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\"}").json().get("field").asText()).isEqualTo("start");
        assertThat(get("/v1/exports/999999").status()).isEqualTo(404);
    }

    @Test
    void ofExportsRacingForOneNameExactlyOneIsAcceptedAndOddNamesAreRefused() throws Exception
    {
        final String body = "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\", \"output\": \"race.csv\"}";
        final List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> racing = new ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            racing.add(ApiServices.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v1/exports")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        final List<Integer> statuses = new ArrayList<>();
        long winner = -1;
        for (final java.util.concurrent.CompletableFuture<HttpResponse<String>> r : racing)
        {
            final HttpResponse<String> response = r.get(60, java.util.concurrent.TimeUnit.SECONDS);
            statuses.add(response.statusCode());
            if (response.statusCode() == 200)
            {
                winner = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).get("run_id").asLong();
            }
        }
        assertThat(statuses).as("one export owns race.csv; the others are told it is taken").containsOnly(200, 409).containsOnlyOnce(200);
        final long id = winner;
        await().atMost(Duration.ofSeconds(60)).until(() -> get("/v1/exports/" + id).json().get("status").asText().equals("completed"));
        final HttpResponse<String> file = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/exports/" + id + "/download")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(file.body().lines().count() - 1).isEqualTo(get("/v1/exports/" + id).json().get("rows_written").asLong());
        assertThat(file.headers().firstValue("Content-Disposition").orElse("")).isEqualTo("attachment; filename=\"race.csv\"; filename*=UTF-8''race.csv");
        for (final String bad : List.of("a\\r\\nSet-Cookie: x.csv", "q\\\"uote.csv", "x".repeat(300) + ".csv", ".hidden.csv", "sp ace.csv", "caf\u00e9.csv"))
        {
            final Reply refused = post("/v1/exports", body.replace("race.csv", bad));
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.json().get("field").asText()).isEqualTo("output");
        }
    }

    @Test
    void healthAndTheOpenApiDocumentDescribeWhatIsServed() throws Exception
    {
        final Reply health = get("/health");
        assertThat(health.status()).isEqualTo(200);
        assertThat(health.json().get("database").asText()).isEqualTo("ok");
        final JsonNode openApi = get("/openapi.json").json();
        assertThat(openApi.get("openapi").asText()).startsWith("3.");
        final List<String> paths = new ArrayList<>();
        openApi.get("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).contains("/v1/replay/ticks", "/v1/replay/ticks/{run_id}", "/v1/replay/ticks/{run_id}/pause", "/v1/replay/ticks/{run_id}/resume",
            "/v1/replay/ticks/{run_id}/cancel", "/v1/replay/ticks/{run_id}/speed", "/v1/replay/ticks/{run_id}/seek", "/v1/signals", "/v1/bars",
            "/v1/exports", "/v1/exports/{id}", "/v1/exports/{id}/download", "/health", "/metrics", "/openapi.json", "/v1/providers", "/v1/symbols",
            "/v1/signals/chart", "/v1/replay/ticks/{run_id}/timeline", "/v1/replay/ticks/{run_id}/latency", "/v1/replay/ticks/{run_id}/latency.hgrm", "/v1/events",
            "/v1/replay/ticks/{run_id}/manifest", "/v1/runs/diff", "/v1/replay/ticks/{run_id}/rows");
    }
}
