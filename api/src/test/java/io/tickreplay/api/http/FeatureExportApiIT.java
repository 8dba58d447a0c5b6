package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.api.cli.CliIT;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Feature sets through {@code POST /v1/exports} ({@code dataset: features}) and {@code tickreplay export features}. */
class FeatureExportApiIT
{
    private static final String WINDOW = "\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T15:00:00Z\", " +
        "\"end\": \"2025-11-03T17:00:00Z\"";

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("features_api", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(4),
            new ReplayService.Context().journalDir(dir.resolve("journal")));
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterAll
    static void stop()
    {
        server.close();
        services.close();
    }

    private static Reply post(final String body) throws Exception
    {
        return call("POST", base + "/v1/exports", body);
    }

    @Test
    void aFeatureSetExportIsTrackedAndDownloadsWithItsColumns() throws Exception
    {
        final Reply started = post("{\"dataset\": \"features\", " + WINDOW + ", \"interval\": \"5m\", \"signals\": [\"spread_bps\", \"rsi_14\"], " +
            "\"horizons\": [1, 3], \"output\": \"features.parquet\"}");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        final long id = started.json().get("run_id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> !call("GET", base + "/v1/exports/" + id, null).json().get("status").asText().equals("running"));
        final JsonNode job = call("GET", base + "/v1/exports/" + id, null).json();
        assertThat(job.get("status").asText()).as(job.toString()).isEqualTo("completed");
        assertThat(job.get("rows_written").asLong()).as("two symbols, two hours of 5-minute bars").isEqualTo(2 * 24);
        assertThat(job.get("metadata").get("dataset").asText()).isEqualTo("features");
        assertThat(job.get("metadata").get("interval").asText()).isEqualTo("5m");
        assertThat(job.get("metadata").get("signals").toString()).isEqualTo("[\"spread_bps\",\"rsi_14\"]");
        assertThat(job.get("metadata").get("horizons").toString()).isEqualTo("[1,3]");
        final HttpResponse<byte[]> file = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/exports/" + id + "/download")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertThat(file.statusCode()).isEqualTo(200);
        final Path downloaded = dir.resolve("downloaded.parquet");
        Files.write(downloaded, file.body());
        final List<String> columns = new ArrayList<>();
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery("DESCRIBE SELECT * FROM read_parquet('" + downloaded + "')"))
        {
            while (rs.next())
            {
                columns.add(rs.getString(1));
            }
        }
        assertThat(columns).containsExactly("provider", "symbol", "ts", "open", "high", "low", "close", "volume", "trade_count", "vwap", "spread_bps", "rsi_14",
            "fwd_log_return_1", "fwd_log_return_3");
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery(
            "SELECT count(*), count(fwd_log_return_3), min(ts) FROM read_parquet('" + downloaded + "')"))
        {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(48);
            assertThat(rs.getLong(2)).as("the last 3 bars of each symbol have no 3-bar label").isEqualTo(48 - 6);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "interval  | \"interval\": \"2m\"",
        "horizons  | \"horizons\": [0]",
        "horizons  | \"horizons\": [5, 5]",
        "horizons  | \"horizons\": [\"5\"]",
        "horizons  | \"horizons\": []",
        "signals   | \"signals\": [\"rsi_7\"]",
        "signals   | \"signals\": 7",
        "since_last| \"since_last\": true"})
    void aBadFeatureFieldIsA400NamingIt(final String field, final String json) throws Exception
    {
        final long jobs = services.jobCount();
        final Reply refused = post("{\"dataset\": \"features\", " + WINDOW + ", " + json + "}");
        assertThat(refused.status()).as(refused.text()).isEqualTo(400);
        assertThat(refused.json().get("field").asText()).isEqualTo(field.strip());
        assertThat(services.jobCount()).as("no job started").isEqualTo(jobs);
    }

    @Test
    void signalsAndHorizonsBelongToFeatureSetsOnly() throws Exception
    {
        final Reply refused = post("{\"dataset\": \"ticks\", " + WINDOW + ", \"horizons\": [1]}");
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.json().get("field").asText()).isEqualTo("horizons");
    }

    @Test
    void theCommandLineWritesAFeatureSetAndRefusesBadFlagsWithExitTwo() throws Exception
    {
        final Path output = dir.resolve("cli").resolve("features.csv");
        final String[] window = {"--db-url", services.db.url(), "--provider", "ibkr", "--symbols", "NVDA", "--start", "2025-11-03T15:00:00Z",
            "--end", "2025-11-03T16:00:00Z"};
        final CliIT.Run done = CliIT.run(concat(new String[] {"export", "features"}, window, new String[] {"--horizons", "1,5", "--signals", "book_imbalance",
            "--output", output.toString()}));
        assertThat(done.exit()).as(done.err()).isZero();
        final JsonNode job = new ObjectMapper().readTree(done.out());
        assertThat(job.get("status").asText()).isEqualTo("completed");
        final List<String> lines = Files.readAllLines(output);
        assertThat(lines.get(0)).isEqualTo("provider,symbol,ts,open,high,low,close,volume,trade_count,vwap,book_imbalance,fwd_log_return_1,fwd_log_return_5");
        assertThat(lines).hasSize(61);
        assertThat(lines.get(60)).as("the last bar: no labels").endsWith(",,");
        final CliIT.Run badHorizon = CliIT.run(concat(new String[] {"export", "features"}, window, new String[] {"--horizons", "0", "--output",
            dir.resolve("x.csv").toString()}));
        assertThat(badHorizon.exit()).isEqualTo(2);
        assertThat(badHorizon.err()).contains("--horizons");
        final CliIT.Run notForTicks = CliIT.run(concat(new String[] {"export", "ticks"}, window, new String[] {"--signals", "all", "--output",
            dir.resolve("y.csv").toString()}));
        assertThat(notForTicks.exit()).isEqualTo(2);
        assertThat(notForTicks.err()).contains("--signals");
    }

    private static String[] concat(final String[]... parts)
    {
        return java.util.Arrays.stream(parts).flatMap(java.util.Arrays::stream).toArray(String[]::new);
    }
}
