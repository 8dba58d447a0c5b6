package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /v1/runs} and {@code DELETE /v1/replay/ticks/{run_id}} on a live server with a token and a
 * real PostgreSQL: runs listed with their sizes (and {@code GET /v1/replay/ticks} with a {@code size}
 * each), a run deleted (200 with what it freed), then 404; 409 while a run is paused or running; the
 * token and origin rules of the other reads and writes.
 */
class RunsApiIT
{
    private static final String TOKEN = "runs-token";
    private static final String[] AUTH = {"Authorization", "Bearer " + TOKEN};
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant OPEN = Instant.parse("2025-11-03T14:30:00Z");

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("runsapi", new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(1).seed(8)
            .hours(LocalTime.of(9, 30), LocalTime.of(10, 30)),
            new ReplayService.Context().journalDir(dir.resolve("journal")).progressIntervalMillis(50).signals(List.of("all")));
        server = services.server(new ApiServer.Context().port(0).token(TOKEN).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterAll
    static void stop()
    {
        server.close();
        services.close();
    }

    private static long replay(final int fromMinute, final int toMinute) throws Exception
    {
        final ReplayRun run = services.replays.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN.plusSeconds(60L * fromMinute),
            OPEN.plusSeconds(60L * toMinute), 0.0));
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        return run.runId();
    }

    private static long number(final String sql) throws Exception
    {
        try (Connection c = services.db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<Long> listedIds(final JsonNode page)
    {
        final List<Long> ids = new ArrayList<>();
        page.get("runs").forEach(r -> ids.add(r.get("run_id").asLong()));
        return ids;
    }

    @Test
    void runsAreListedWithWhatTheyHoldAndADeletedRunIsGoneThenNotFound() throws Exception
    {
        final long first = replay(0, 10);
        final long second = replay(10, 20);

        assertThat(call("GET", base + "/v1/runs", null).status()).as("a read needs the token").isEqualTo(401);
        final Reply listed = call("GET", base + "/v1/runs", null, AUTH);
        assertThat(listed.status()).as(listed.text()).isEqualTo(200);
        assertThat(listedIds(listed.json())).containsSubsequence(second, first);
        for (final JsonNode run : listed.json().get("runs"))
        {
            if (run.get("run_id").asLong() == first || run.get("run_id").asLong() == second)
            {
                assertThat(run.get("status").asText()).isEqualTo("completed");
                assertThat(run.get("ticks").asLong()).isPositive();
                assertThat(run.get("start").asText()).startsWith("2025-11-03T14:");
                assertThat(run.get("size").get("bytes").asLong()).as(run.toString()).isPositive();
                assertThat(run.get("size").get("signal_rows").asLong()).as(run.toString()).isPositive();
                assertThat(run.get("size").get("bar_rows").asLong()).as(run.toString()).isPositive();
            }
        }
        final Reply page = call("GET", base + "/v1/runs?limit=1", null, AUTH);
        assertThat(page.json().get("runs")).hasSize(1);
        assertThat(page.json().get("next_offset").asInt()).isEqualTo(1);
        assertThat(call("GET", base + "/v1/runs?status=gone", null, AUTH).json().get("field").asText()).isEqualTo("status");
        // the seed's list carries each run's size too, which the cockpit shows
        for (final JsonNode run : call("GET", base + "/v1/replay/ticks", null, AUTH).json().get("runs"))
        {
            assertThat(run.get("size").get("bytes").asLong()).as(run.toString()).isPositive();
        }

        final String url = base + "/v1/replay/ticks/" + first;
        assertThat(call("DELETE", url, null).status()).as("a delete needs the token").isEqualTo(401);
        assertThat(call("DELETE", url, null, "Authorization", "Bearer " + TOKEN, "Origin", "https://elsewhere.example").status())
            .as("a page of another site cannot delete through a visitor's browser").isEqualTo(403);
        assertThat(number("SELECT count(*) FROM job_runs WHERE id = " + first)).isOne();

        final Reply deleted = call("DELETE", url, null, AUTH);
        assertThat(deleted.status()).as(deleted.text()).isEqualTo(200);
        assertThat(deleted.json().get("run_id").asLong()).isEqualTo(first);
        assertThat(deleted.json().get("freed").get("bytes").asLong()).isPositive();
        assertThat(deleted.json().get("freed").get("bar_rows").asLong()).isPositive();
        assertThat(number("SELECT count(*) FROM job_runs WHERE id = " + first)).isZero();
        assertThat(number("SELECT count(*) FROM (SELECT to_regclass('signal_rows_r" + first + "') AS t) x WHERE t IS NOT NULL")).isZero();
        assertThat(listedIds(call("GET", base + "/v1/runs", null, AUTH).json())).contains(second).doesNotContain(first);

        final Reply again = call("DELETE", url, null, AUTH);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.json().get("field").asText()).isEqualTo("run_id");
        assertThat(again.json().get("error").asText()).contains("no replay run " + first);
        final Reply zero = call("DELETE", base + "/v1/replay/ticks/0", null, AUTH);
        assertThat(zero.status()).isEqualTo(400);
        assertThat(zero.json().get("field").asText()).isEqualTo("run_id");
    }

    @Test
    void aPausedOrRunningRunIsAConflictNamingWhy() throws Exception
    {
        final ReplayRun run = services.replays.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, OPEN, OPEN.plusSeconds(3600), 1.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().emitted() > 0);
        final String url = base + "/v1/replay/ticks/" + run.runId();
        final Reply running = call("DELETE", url, null, AUTH);
        assertThat(running.status()).as(running.text()).isEqualTo(409);
        assertThat(running.json().get("field").asText()).isEqualTo("run_id");
        assertThat(running.json().get("error").asText()).contains("is running").contains("cancel it first");

        run.control().pause();
        await().atMost(Duration.ofSeconds(30)).until(() -> services.replays.jobs().find(run.runId()).orElseThrow().status().equals("paused"));
        final Reply paused = call("DELETE", url, null, AUTH);
        assertThat(paused.status()).isEqualTo(409);
        assertThat(paused.json().get("error").asText()).contains("is paused");
        assertThat(number("SELECT count(*) FROM job_runs WHERE id = " + run.runId())).isOne();

        assertThat(call("POST", url + "/cancel", null, AUTH).status()).isEqualTo(200);
        run.done().get(30, TimeUnit.SECONDS);
        assertThat(call("DELETE", url, null, AUTH).status()).isEqualTo(200);
    }

    @Test
    void theOpenApiDocumentHasTheRoutes() throws Exception
    {
        final JsonNode paths = call("GET", base + "/openapi.json", null).json().get("paths");
        assertThat(paths.get("/v1/runs").has("get")).isTrue();
        assertThat(paths.get("/v1/replay/ticks/{run_id}").has("delete")).isTrue();
        assertThat(paths.get("/v1/replay/ticks/{run_id}").get("delete").get("responses").has("409")).isTrue();
    }
}
