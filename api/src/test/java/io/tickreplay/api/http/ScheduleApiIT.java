package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /v1/schedules} on a live server and a real PostgreSQL: created, listed, read, removed, and every mistake a 400 naming its field. */
class ScheduleApiIT
{
    private static final String TOKEN = "sched-token";
    private static final String REPLAY = "\"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": 0}";

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
        services = new ApiServices("schedapi", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA")).ticksPerSecond(0.2).seed(4),
            new ReplayService.Context().journalDir(dir.resolve("journal")).ticksRingSize(1 << 12));
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

    private static Reply post(final String body) throws Exception
    {
        return call("POST", base + "/v1/schedules", body);
    }

    @Test
    void aScheduleIsCreatedWithItsNextFireListedReadAndRemoved() throws Exception
    {
        final Reply created = post("{\"name\": \"api-nightly\", \"cron\": \"0 22 * * 1-5\", \"zone\": \"America/New_York\", " +
            "\"window\": {\"previous_trading_day\": true, \"session\": \"09:30-16:00\"}, " + REPLAY + "}");
        assertThat(created.status()).as(created.text()).isEqualTo(201);
        final JsonNode s = created.json();
        final long id = s.get("id").asLong();
        assertThat(s.get("name").asText()).isEqualTo("api-nightly");
        assertThat(s.get("misfire").asText()).isEqualTo("run_once");
        assertThat(s.get("window").get("zone").asText()).isEqualTo("America/New_York");
        assertThat(s.get("replay").get("symbols").get(0).asText()).isEqualTo("NVDA");
        assertThat(s.get("last_run_id").isNull()).isTrue();
        final Instant next = Instant.parse(s.get("next_fire_at").asText());
        assertThat(next).isAfter(Instant.now());
        final var local = next.atZone(java.time.ZoneId.of("America/New_York"));
        assertThat(local.getHour()).isEqualTo(22);
        assertThat(local.getDayOfWeek().getValue()).isBetween(1, 5);

        final List<String> names = new ArrayList<>();
        call("GET", base + "/v1/schedules", null).json().get("schedules").forEach(n -> names.add(n.get("name").asText()));
        assertThat(names).contains("api-nightly");
        assertThat(call("GET", base + "/v1/schedules/" + id, null).json().get("cron").asText()).isEqualTo("0 22 * * 1-5");

        assertThat(post("{\"name\": \"api-nightly\", \"cron\": \"0 1 * * *\", \"window\": {\"last\": \"1h\"}, " + REPLAY + "}").json().get("field").asText())
            .isEqualTo("name");
        assertThat(call("DELETE", base + "/v1/schedules/" + id, null).status()).isEqualTo(204);
        final Reply gone = call("DELETE", base + "/v1/schedules/" + id, null);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("field").asText()).isEqualTo("id");
        assertThat(call("GET", base + "/v1/schedules/" + id, null).status()).isEqualTo(404);
    }

    @Test
    void everyMistakeIsA400NamingItsFieldAndStoresNothing() throws Exception
    {
        final String window = "\"window\": {\"last\": \"4h\"}";
        final String[][] cases = {
            {"{\"name\": \"b1\", \"cron\": \"61 * * * *\", " + window + ", " + REPLAY + "}", "cron"},
            {"{\"name\": \"b2\", \"cron\": \"0 0 30 2 *\", " + window + ", " + REPLAY + "}", "cron"},
            {"{\"name\": \"b3\", \"cron\": \"0 22 * * *\", \"zone\": \"Mars/Olympus\", " + window + ", " + REPLAY + "}", "zone"},
            {"{\"name\": \"b4\", \"cron\": \"0 22 * * *\", \"window\": {\"last\": \"4 hours\"}, " + REPLAY + "}", "window.last"},
            {"{\"name\": \"b5\", \"cron\": \"0 22 * * *\", \"window\": {\"previous_trading_day\": true, \"session\": \"16:00-09:30\"}, " + REPLAY + "}",
                "window.session"},
            {"{\"name\": \"b6\", \"cron\": \"0 22 * * *\", " + REPLAY + "}", "window"},
            {"{\"name\": \"b7\", \"cron\": \"0 22 * * *\", " + window + ", \"misfire\": \"later\", " + REPLAY + "}", "misfire"},
            {"{\"name\": \"b8\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
                "\"start\": \"2025-11-03T14:30:00Z\"}}", "replay.start"},
            {"{\"name\": \"b9\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"colour\": 1}}",
                "replay.colour"},
            {"{\"name\": \"b10\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"provider\": \"ibkr\", \"symbols\": []}}", "replay.symbols"},
            {"{\"name\": \"b11\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"speed\": -1}}",
                "replay.speed"},
            {"{\"name\": \"b12\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
                "\"signals\": \"nonsense\"}}", "replay.signals"},
            {"{\"name\": \"b13\", \"cron\": \"0 22 * * *\", " + window + ", \"replay\": {\"source\": \"journal\", \"journal_run_id\": 1}}", "replay.source"},
            {"{\"name\": \"b14\", \"cron\": \"0 22 * * *\", " + window + "}", "replay"},
            {"{\"name\": \"no spaces\", \"cron\": \"0 22 * * *\", " + window + ", " + REPLAY + "}", "name"},
            {"{\"name\": \"b16\", \"cron\": \"0 22 * * *\", \"when\": \"soon\", " + window + ", " + REPLAY + "}", "when"},
        };
        for (final String[] c : cases)
        {
            final Reply r = post(c[0]);
            assertThat(r.status()).as(c[0] + " -> " + r.text()).isEqualTo(400);
            assertThat(r.json().get("field").asText()).as(c[0] + " -> " + r.text()).isEqualTo(c[1]);
            assertThat(r.json().get("error").asText()).isNotBlank();
        }
        final List<String> names = new ArrayList<>();
        call("GET", base + "/v1/schedules", null).json().get("schedules").forEach(n -> names.add(n.get("name").asText()));
        assertThat(names).noneMatch(n -> n.startsWith("b"));
        assertThat(call("GET", base + "/v1/schedules/abc", null).json().get("field").asText()).isEqualTo("id");
    }

    @Test
    void aReplayFieldAddedToTheReplayRouteWorksInASchedule() throws Exception
    {
        // sources (several sources merged) came to POST /v1/replay/ticks after schedules: the schedule reads it with the route's parser
        final Reply merged = post("{\"name\": \"api-sources\", \"cron\": \"0 22 * * *\", \"window\": {\"last\": \"1h\"}, " +
            "\"replay\": {\"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}], \"speed\": 0}}");
        assertThat(merged.status()).as(merged.text()).isEqualTo(201);
        assertThat(merged.json().get("replay").get("sources").get(0).get("provider").asText()).isEqualTo("ibkr");
        final Reply outside = post("{\"name\": \"api-sources-out\", \"cron\": \"0 22 * * *\", \"window\": {\"last\": \"1h\"}, " +
            "\"replay\": {\"sources\": [{\"parquet\": \"../../etc/ticks.parquet\"}], \"speed\": 0}}");
        assertThat(outside.status()).as(outside.text()).isEqualTo(400);
        assertThat(outside.json().get("field").asText()).isEqualTo("replay.sources");
        final Reply both = post("{\"name\": \"api-sources-both\", \"cron\": \"0 22 * * *\", \"window\": {\"last\": \"1h\"}, " +
            "\"replay\": {\"provider\": \"ibkr\", \"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}]}}");
        assertThat(both.status()).as(both.text()).isEqualTo(400);
        assertThat(both.json().get("field").asText()).isEqualTo("replay.provider");
        assertThat(call("DELETE", base + "/v1/schedules/" + merged.json().get("id").asLong(), null).status()).isEqualTo(204);
    }

    @Test
    void schedulesAreBehindTheTokenAndInTheOpenApiDocument() throws Exception
    {
        final String body = "{\"name\": \"guarded\", \"cron\": \"0 22 * * *\", \"window\": {\"last\": \"1h\"}, " + REPLAY + "}";
        assertThat(call("POST", guardedBase + "/v1/schedules", body).status()).isEqualTo(401);
        assertThat(call("GET", guardedBase + "/v1/schedules", null).status()).isEqualTo(401);
        final Reply created = call("POST", guardedBase + "/v1/schedules", body, "Authorization", "Bearer " + TOKEN);
        assertThat(created.status()).isEqualTo(201);
        final String path = guardedBase + "/v1/schedules/" + created.json().get("id").asLong();
        assertThat(call("DELETE", path, null).status()).isEqualTo(401);
        assertThat(call("GET", path, null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
        assertThat(call("DELETE", path, null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(204);

        final JsonNode paths = call("GET", base + "/openapi.json", null).json().get("paths");
        assertThat(paths.has("/v1/schedules")).isTrue();
        assertThat(paths.get("/v1/schedules").has("post")).isTrue();
        assertThat(paths.get("/v1/schedules/{id}").has("delete")).isTrue();
    }
}
