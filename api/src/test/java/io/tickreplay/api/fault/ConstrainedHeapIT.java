package io.tickreplay.api.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.api.ChildJvm;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code serve} with a small heap (-Xmx256m) given four burst replays of a full day with every signal
 * and a 1-minute feature export, twice: every run ends (completed, or failed or refused with its
 * reason), none is left running, every slot is freed, and the next replay starts. A run that cannot
 * fit in its share of the heap is refused with the limit named, before it starts.
 */
class ConstrainedHeapIT
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WINDOW = "\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\", \"MSFT\"], " +
        "\"start\": \"2025-11-03T00:00:00Z\", \"end\": \"2025-11-04T00:00:00Z\"";

    @TempDir
    Path dir;

    private static HttpResponse<String> call(final String method, final String url, final String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void fourBurstReplaysAndAFeatureExportTwiceInA256MegabyteServeAllEndAndFreeTheirSlots() throws Exception
    {
        final Path pg = dir.resolve("pg");
        final Process generate = new ProcessBuilder(ChildJvm.command("512m", "generate", "--pg-dir", pg.toString(), "--provider", "ibkr",
            "--symbols", "NVDA,AAPL,MSFT", "--start-date", "2025-11-03", "--days", "1", "--rate", "1", "--seed", "13"))
            .redirectErrorStream(true).redirectOutput(dir.resolve("generate.log").toFile()).start();
        assertThat(generate.waitFor(240, TimeUnit.SECONDS)).isTrue();
        assertThat(generate.exitValue()).as(Files.readString(dir.resolve("generate.log"))).isZero();
        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final Path config = dir.resolve("heap.conf");
        Files.writeString(config, "api.export-dir = \"" + dir.resolve("exports") + "\"\nreplay.journal-dir = \"" + dir.resolve("journal") + "\"\n");
        final Process serve = new ProcessBuilder(ChildJvm.command("256m", "serve", "--config", config.toString(), "--pg-dir", pg.toString(),
            "--port", String.valueOf(port))).redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile()).start();
        final String base = "http://127.0.0.1:" + port;
        try
        {
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
            {
                assertThat(serve.isAlive()).as(Files.readString(dir.resolve("serve.log"))).isTrue();
                return call("GET", base + "/health", null).statusCode() == 200;
            });
            for (int wave = 0; wave < 2; wave++)
            {
                final List<Long> runs = new ArrayList<>();
                final List<Long> exports = new ArrayList<>();
                for (int i = 0; i < 4; i++)
                {
                    final HttpResponse<String> r = call("POST", base + "/v1/replay/ticks", "{" + WINDOW + ", \"speed\": 0, \"signals\": \"all\"}");
                    if (r.statusCode() == 200)
                    {
                        runs.add(JSON.readTree(r.body()).get("run_id").asLong());
                    }
                    else
                    {
                        // refused before it started: a heap that cannot hold it, named
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                        assertThat(r.body()).contains("-Xmx");
                    }
                }
                final HttpResponse<String> e = call("POST", base + "/v1/exports", "{\"dataset\": \"features\", \"interval\": \"1m\", " + WINDOW + "}");
                assertThat(e.statusCode()).as(e.body()).isEqualTo(200);
                exports.add(JSON.readTree(e.body()).get("run_id").asLong());
                assertThat(runs).as("replays start in their share of the heap").isNotEmpty();
                for (final long id : runs)
                {
                    await().atMost(Duration.ofMinutes(4)).until(() -> !status(base, "replay/ticks/" + id).equals("running"));
                    final JsonNode job = JSON.readTree(call("GET", base + "/v1/replay/ticks/" + id, null).body());
                    assertThat(job.get("status").asText()).as(job.toString()).isIn("completed", "failed");
                    if (job.get("status").asText().equals("failed"))
                    {
                        assertThat(job.get("error_message").asText()).as("a failure says why").isNotBlank();
                    }
                }
                for (final long id : exports)
                {
                    await().atMost(Duration.ofMinutes(4)).until(() -> !status(base, "exports/" + id).equals("running"));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(call("GET", base + "/health", null).body()).get("active_replays").asInt() == 0);
            }
            // every slot is free: a short replay starts and completes
            final HttpResponse<String> next = call("POST", base + "/v1/replay/ticks",
                "{" + WINDOW.replace("2025-11-04T00:00:00Z", "2025-11-03T15:00:00Z") + ", \"speed\": 0, \"signals\": \"none\"}");
            assertThat(next.statusCode()).as(next.body()).isEqualTo(200);
            final long id = JSON.readTree(next.body()).get("run_id").asLong();
            try
            {
                await().atMost(Duration.ofMinutes(2)).until(() -> !status(base, "replay/ticks/" + id).equals("running"));
            }
            catch (final ConditionTimeoutException stuck)
            {
                throw new AssertionError("run " + id + " still running after 2 minutes; serve.log ends:\n" + tail(dir.resolve("serve.log"), 60), stuck);
            }
            final JsonNode last = JSON.readTree(call("GET", base + "/v1/replay/ticks/" + id, null).body());
            assertThat(last.get("status").asText()).as("%s%nserve.log ends:%n%s", last, tail(dir.resolve("serve.log"), 60)).isEqualTo("completed");
        }
        finally
        {
            serve.destroy();
            if (!serve.waitFor(60, TimeUnit.SECONDS))
            {
                serve.destroyForcibly();
            }
        }
    }

    private static String tail(final Path file, final int lines) throws Exception
    {
        final List<String> all = Files.readAllLines(file);
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String status(final String base, final String path) throws Exception
    {
        return JSON.readTree(call("GET", base + "/v1/" + path, null).body()).get("status").asText();
    }
}
