package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import static io.tickreplay.api.http.ApiServices.HTTP;
import static io.tickreplay.api.http.ApiServices.JSON;
import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reads the cockpit adds to the API, against a live server on the embedded PostgreSQL: providers and
 * symbols, a signal downsampled to a chart's width, a run's timeline and latency (live, then as saved),
 * its {@code .hgrm}, the event stream, and the page's files.
 */
class CockpitApiIT
{
    private static final String TOKEN = "cockpit-token";

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer open;
    private static ApiServer guarded;
    private static String base;
    private static String guardedBase;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("cockpit", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL", "MSFT")).ticksPerSecond(1).seed(5),
            new ReplayService.Context().journalDir(dir.resolve("journal")).progressIntervalMillis(200));
        open = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + open.start();
        guarded = services.server(new ApiServer.Context().port(0).token(TOKEN).exportDir(dir.resolve("exports")));
        guardedBase = "http://127.0.0.1:" + guarded.start();
    }

    @AfterAll
    static void stop()
    {
        open.close();
        guarded.close();
        services.close();
    }

    private static long sql(final String query) throws Exception
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Instant ts(final String query) throws Exception
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(query))
        {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    @Test
    void providersAndSymbolsSayWhatTheStoreHolds() throws Exception
    {
        final JsonNode providers = call("GET", base + "/v1/providers", null).json().get("providers");
        assertThat(providers).hasSize(1);
        assertThat(providers.get(0).get("provider").asText()).isEqualTo("ibkr");
        assertThat(providers.get(0).get("symbols").asInt()).isEqualTo(3);
        assertThat(providers.get(0).get("ticks").asLong()).isEqualTo(sql("SELECT count(*) FROM tick_data"));

        final JsonNode symbols = call("GET", base + "/v1/symbols?provider=ibkr", null).json().get("symbols");
        assertThat(symbols).extracting(s -> s.get("symbol").asText()).containsExactly("AAPL", "MSFT", "NVDA");
        assertThat(symbols.get(2).get("ticks").asLong()).isEqualTo(sql("SELECT count(*) FROM tick_data WHERE symbol = 'NVDA'"));
        assertThat(symbols.get(2).get("first_ts").asText()).startsWith("2025-11-03T14:30");

        final ApiServices.Reply missing = call("GET", base + "/v1/symbols", null);
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.json().get("field").asText()).isEqualTo("provider");
        assertThat(call("GET", base + "/v1/symbols?provider=nobody", null).json().get("symbols")).isEmpty();
    }

    /** The job once it has ended. */
    private static JsonNode ended(final long runId)
    {
        final JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() ->
        {
            job[0] = call("GET", base + "/v1/replay/ticks/" + runId, null).json();
            return !List.of("running", "paused").contains(job[0].get("status").asText());
        });
        return job[0];
    }

    private static long burst(final String symbol, final String signals) throws Exception
    {
        final ApiServices.Reply started = call("POST", base + "/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"" + symbol + "\"], " +
            "\"start\": \"2025-11-03T17:00:00Z\", \"end\": \"2025-11-03T17:30:00Z\", \"speed\": 0, \"journal\": false, \"signals\": " + signals + "}");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        final long runId = started.json().get("run_id").asLong();
        assertThat(ended(runId).get("status").asText()).isEqualTo("completed");
        return runId;
    }

    @Test
    void theLatestRunWithSignalsIsTheNewestWhoseRowsTheTableHolds() throws Exception
    {
        final long all = burst("NVDA", "\"all\"");
        JsonNode latest = call("GET", base + "/v1/signals/latest-run", null).json();
        assertThat(latest.get("run_id").asLong()).isEqualTo(all);
        assertThat(latest.get("provider").asText()).isEqualTo("ibkr");
        assertThat(latest.get("symbol").asText()).isEqualTo("NVDA");
        assertThat(latest.get("name").asText()).as("the first signal of all, when the run wrote it").isEqualTo("vwap_deviation_bps");
        final String rows = "FROM signals WHERE provider = 'ibkr' AND symbol = 'NVDA' AND name = 'vwap_deviation_bps' AND metadata->>'replay_run_id' = '" + all + "'";
        assertThat(Instant.parse(latest.get("first_ts").asText())).as("its first row").isEqualTo(ts("SELECT min(ts) " + rows));
        assertThat(Instant.parse(latest.get("last_ts").asText())).as("its last row").isEqualTo(ts("SELECT max(ts) " + rows));
        assertThat(Instant.parse(latest.get("first_ts").asText())).isAfterOrEqualTo(Instant.parse("2025-11-03T17:00:00Z"));
        assertThat(Instant.parse(latest.get("last_ts").asText())).isBefore(Instant.parse("2025-11-03T17:30:00Z"));

        // a newer run that wrote no signals does not count; one that wrote another signal does, with that signal
        burst("AAPL", "\"none\"");
        assertThat(call("GET", base + "/v1/signals/latest-run", null).json().get("run_id").asLong()).isEqualTo(all);
        final long spread = burst("MSFT", "[\"spread_bps\"]");
        latest = call("GET", base + "/v1/signals/latest-run", null).json();
        assertThat(latest.get("run_id").asLong()).isEqualTo(spread);
        assertThat(latest.get("symbol").asText()).isEqualTo("MSFT");
        assertThat(latest.get("name").asText()).isEqualTo("spread_bps");

        final ApiServices.Reply unknown = call("GET", base + "/v1/signals/latest-run?run=1", null);
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(ApiServices.send("GET", guardedBase + "/v1/signals/latest-run", null).statusCode()).as("a read like the others").isEqualTo(401);
    }

    @Test
    void aSignalIsDownsampledToTheChartsWidthKeepingItsExtremes() throws Exception
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement())
        {
            // 200,000 values a tenth of a second apart (5.6 hours), one spike and one dip; a tenth of them from replay 7
            s.execute("INSERT INTO signals (provider, symbol, ts, name, value, metadata) SELECT 'ibkr', 'NVDA', " +
                "timestamptz '2025-11-03 14:30:00+00' + i * interval '100 milliseconds', 'chart_test', " +
                "CASE WHEN i = 123457 THEN 1000 WHEN i = 54321 THEN -1000 ELSE sin(i / 1000.0) END, " +
                "CASE WHEN i % 10 = 0 THEN '{\"replay_run_id\": 7}'::jsonb END FROM generate_series(0, 199999) i");
        }
        final String window = "provider=ibkr&symbol=NVDA&name=chart_test&start=2025-11-03T14:30:00Z&end=2025-11-03T20:30:00Z";
        final ApiServices.Reply reply = call("GET", base + "/v1/signals/chart?" + window + "&width=300", null);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        final JsonNode chart = reply.json();
        assertThat(chart.get("rows").asLong()).isEqualTo(200_000);
        final JsonNode signal = chart.get("signal");
        final int columns = signal.get("t").size();
        assertThat(columns).isEqualTo(chart.get("columns").asInt()).isBetween(200, 300);
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < columns; i++)
        {
            assertThat(signal.get("min").get(i).asDouble()).isLessThanOrEqualTo(signal.get("last").get(i).asDouble())
                .isLessThanOrEqualTo(signal.get("max").get(i).asDouble());
            assertThat(signal.get("t").get(i).asLong()).isGreaterThan(previous);
            previous = signal.get("t").get(i).asLong();
            max = Math.max(max, signal.get("max").get(i).asDouble());
            min = Math.min(min, signal.get("min").get(i).asDouble());
        }
        assertThat(max).as("the spike survives the downsampling").isEqualTo(1000);
        assertThat(min).as("the dip survives the downsampling").isEqualTo(-1000);
        // the last value of the first column: the row with the latest ts in its 72 s
        assertThat(signal.get("last").get(0).asDouble()).isEqualTo(Math.sin(719 / 1000.0), org.assertj.core.data.Offset.offset(1e-12));

        assertThat(call("GET", base + "/v1/signals/chart?" + window + "&replay_run_id=7", null).json().get("rows").asLong()).isEqualTo(20_000);
        assertThat(call("GET", base + "/v1/signals/chart?" + window + "&live=true", null).json().get("rows").asLong()).isEqualTo(180_000);
        final ApiServices.Reply wide = call("GET", base + "/v1/signals/chart?" + window + "&width=100000", null);
        assertThat(wide.status()).isEqualTo(400);
        assertThat(wide.json().get("field").asText()).isEqualTo("width");
        final ApiServices.Reply noName = call("GET", base + "/v1/signals/chart?provider=ibkr&symbol=NVDA&start=2025-11-03T14:30:00Z&end=2025-11-03T20:30:00Z", null);
        assertThat(noName.status()).isEqualTo(400);
        assertThat(noName.json().get("field").asText()).isEqualTo("name");
    }

    @Test
    void aRunsTimelineAndLatencyAreLiveWhileItRunsAndKeptAfterIt() throws Exception
    {
        final ApiServices.Reply started = call("POST", base + "/v1/replay/ticks",
            "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\"], \"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T16:30:00Z\", \"speed\": 200}");
        assertThat(started.status()).as(started.text()).isEqualTo(200);
        final long runId = started.json().get("run_id").asLong();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() ->
            call("GET", base + "/v1/replay/ticks/" + runId + "/timeline", null).json().get("t").size() >= 3);
        final JsonNode live = call("GET", base + "/v1/replay/ticks/" + runId + "/latency", null).json();
        assertThat(live.get("live").asBoolean()).isTrue();
        await().atMost(Duration.ofSeconds(30)).until(() ->
            call("GET", base + "/v1/replay/ticks/" + runId + "/latency", null).json().get("stages").path("lag").path("count").asLong() > 0);

        assertThat(call("POST", base + "/v1/replay/ticks/" + runId + "/cancel", null).json().get("status").asText()).isEqualTo("cancelled");
        final JsonNode saved = call("GET", base + "/v1/replay/ticks/" + runId + "/latency", null).json();
        assertThat(saved.get("live").asBoolean()).isFalse();
        final JsonNode lag = saved.get("stages").get("lag");
        assertThat(lag.get("count").asLong()).isPositive();
        assertThat(lag.has("hdr")).as("the histogram itself stays in the database, out of the answer").isFalse();
        final JsonNode percentiles = lag.get("percentiles");
        assertThat(percentiles.get(0).get(0).asDouble()).isZero();
        assertThat(percentiles.get(percentiles.size() - 1).get(0).asDouble()).isGreaterThan(99.9);
        for (int i = 1; i < percentiles.size(); i++)
        {
            assertThat(percentiles.get(i).get(1).asDouble()).isGreaterThanOrEqualTo(percentiles.get(i - 1).get(1).asDouble());
        }
        assertThat(saved.get("stages").fieldNames()).toIterable().contains("lag", "journal", "signals-0", "signals-1", "bars");

        final JsonNode timeline = call("GET", base + "/v1/replay/ticks/" + runId + "/timeline", null).json();
        assertThat(timeline.get("t").size()).isEqualTo(timeline.get("ticks_per_s").size()).isGreaterThanOrEqualTo(3);
        final JsonNode emitted = timeline.get("emitted");
        assertThat(emitted.get(emitted.size() - 1).asLong()).isPositive();

        final HttpResponse<String> hgrm = ApiServices.send("GET", base + "/v1/replay/ticks/" + runId + "/latency.hgrm?stage=lag", null);
        assertThat(hgrm.statusCode()).isEqualTo(200);
        assertThat(hgrm.headers().firstValue("Content-Disposition").orElse("")).contains("replay-" + runId + "-lag.hgrm");
        assertThat(hgrm.body()).contains("Value     Percentile TotalCount 1/(1-Percentile)").contains("#[Max     =");
        assertThat(hgrm.body()).containsPattern("Total count\\s+=\\s+" + lag.get("count").asLong() + "\\]");

        assertThat(call("GET", base + "/v1/replay/ticks/" + runId + "/latency.hgrm?stage=nothing", null).status()).isEqualTo(404);
        final ApiServices.Reply unknown = call("GET", base + "/v1/replay/ticks/999999/timeline", null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().get("field").asText()).isEqualTo("run_id");
    }

    @Test
    void theEventStreamSendsTheWholeStateAndATokenMayComeInTheQuery() throws Exception
    {
        final ApiServices.Reply started = call("POST", base + "/v1/replay/ticks",
            "{\"provider\": \"ibkr\", \"symbols\": [\"MSFT\"], \"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T20:00:00Z\", \"speed\": 100}");
        final long runId = started.json().get("run_id").asLong();
        try
        {
            final Event first = firstState(base + "/v1/events", null);
            assertThat(first.id()).isPositive();
            final JsonNode state = JSON.readTree(first.data());
            assertThat(state.get("seq").asLong()).isEqualTo(first.id());
            JsonNode run = null;
            for (final JsonNode r : state.get("replays"))
            {
                if (r.get("run_id").asLong() == runId)
                {
                    run = r;
                }
            }
            assertThat(run).as("the running replay is in the snapshot").isNotNull();
            assertThat(run.get("live").get("start").asText()).isEqualTo("2025-11-03T14:30:00Z");
            assertThat(run.get("live").has("ticks_per_s")).isTrue();
            assertThat(state.get("exports").isArray()).isTrue();

            // a reconnecting browser sends Last-Event-ID: it gets the latest whole state at once
            final Event again = firstState(base + "/v1/events", String.valueOf(first.id()));
            assertThat(again.id()).isGreaterThanOrEqualTo(first.id());

            assertThat(ApiServices.send("GET", guardedBase + "/v1/events", null).statusCode()).isEqualTo(401);
            assertThat(firstState(guardedBase + "/v1/events?access_token=" + TOKEN, null).id()).isPositive();
            assertThat(ApiServices.send("GET", guardedBase + "/v1/replay/ticks?access_token=" + TOKEN, null).statusCode())
                .as("only the event stream takes the token in its query").isEqualTo(401);
        }
        finally
        {
            call("POST", base + "/v1/replay/ticks/" + runId + "/cancel", null);
        }
    }

    private record Event(long id, String data)
    {
    }

    /** Opens the stream, reads up to its first {@code state} event, closes it. */
    private static Event firstState(final String url, final String lastEventId) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Accept", "text/event-stream");
        if (lastEventId != null)
        {
            request.header("Last-Event-ID", lastEventId);
        }
        final HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
        try (InputStream body = response.body(); BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8)))
        {
            String event = null;
            long id = -1;
            final StringBuilder data = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine())
            {
                if (line.isEmpty())
                {
                    if ("state".equals(event))
                    {
                        return new Event(id, data.toString());
                    }
                    event = null;
                    data.setLength(0);
                }
                else if (line.startsWith("event:"))
                {
                    event = line.substring(6).strip();
                }
                else if (line.startsWith("id:"))
                {
                    id = Long.parseLong(line.substring(3).strip());
                }
                else if (line.startsWith("data:"))
                {
                    data.append(line.substring(5).strip());
                }
            }
        }
        throw new AssertionError("the stream ended before a state event");
    }

    @Test
    void theCockpitPageAndItsFilesAreServedFromTheJar() throws Exception
    {
        final HttpResponse<String> page = ApiServices.send("GET", base + "/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("default-src 'self'");
        assertThat(page.body()).contains("/cockpit/vendor/uPlot.iife.min.js");

        final HttpResponse<String> uplot = ApiServices.send("GET", base + "/cockpit/vendor/uPlot.iife.min.js", null);
        assertThat(uplot.statusCode()).isEqualTo(200);
        assertThat(uplot.headers().firstValue("Content-Type").orElse("")).startsWith("text/javascript");
        assertThat(uplot.body()).contains("uPlot");
        assertThat(ApiServices.send("GET", base + "/cockpit/vendor/uPlot.min.css", null).statusCode()).isEqualTo(200);
        assertThat(ApiServices.send("GET", base + "/cockpit/nothing.js", null).statusCode()).isEqualTo(404);
        assertThat(ApiServices.send("GET", base + "/cockpit/..%2Fopenapi.json", null).statusCode()).isEqualTo(404);
        // the page is open with a token set (it holds nothing); the API behind it is not
        assertThat(ApiServices.send("GET", guardedBase + "/", null).statusCode()).isEqualTo(200);
        assertThat(ApiServices.send("GET", guardedBase + "/v1/providers", null).statusCode()).isEqualTo(401);
    }
}
