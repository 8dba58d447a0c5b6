package io.tickreplay.api.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.api.ChildJvm;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The documented concurrency, held: a {@code serve} child with a 384 MB heap and
 * {@code replay.max-concurrent = 8} takes eight replays of a window whose signals already exist, four
 * exports and a hundred concurrent API readers (twenty of them asking for 100,000 signal rows) at once.
 * Every request answers without a 5xx, every job completes, the server does not run out of memory.
 * Before: a 500 from a dry pool at four replays, and the heap grew to 5.9 GB under twenty big reads.
 */
class LoadIT
{
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WINDOW = "\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\", \"MSFT\"], \"start\": \"2025-11-03T14:30:00Z\", " +
        "\"end\": \"2025-11-03T21:00:00Z\"";

    @TempDir
    Path dir;

    private static HttpResponse<String> call(final String method, final String url, final String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String status(final String base, final String kind, final long id) throws Exception
    {
        return JSON.readTree(call("GET", base + "/v1/" + kind + "/" + id, null).body()).get("status").asText();
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void eightReplaysFourExportsAndAHundredReadersAtOnce() throws Exception
    {
        final Path pg = dir.resolve("pg");
        final Process generate = new ProcessBuilder(ChildJvm.command("512m", "generate", "--pg-dir", pg.toString(), "--provider", "ibkr",
            "--symbols", "NVDA,AAPL,MSFT", "--rate", "1", "--seed", "11")).redirectErrorStream(true).redirectOutput(dir.resolve("generate.log").toFile()).start();
        assertThat(generate.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(generate.exitValue()).as(Files.readString(dir.resolve("generate.log"))).isZero();

        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final Path config = dir.resolve("load.conf");
        Files.writeString(config, "replay.max-concurrent = 8\napi.export-threads = 4\napi.export-dir = \"" + dir.resolve("exports") + "\"\n" +
            "replay.journal = false\n");
        final ProcessBuilder command = new ProcessBuilder(ChildJvm.command("384m", "serve", "--config", config.toString(), "--pg-dir", pg.toString(),
            "--port", String.valueOf(port), "--bind", "127.0.0.1")).redirectErrorStream(true).redirectOutput(dir.resolve("serve.log").toFile());
        final Process serve = command.start();
        final String base = "http://127.0.0.1:" + port;
        final ExecutorService clients = Executors.newFixedThreadPool(112);
        try
        {
            await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
            {
                assertThat(serve.isAlive()).as(Files.readString(dir.resolve("serve.log"))).isTrue();
                return call("GET", base + "/health", null).statusCode() == 200;
            });
            // the window's signals exist before the load: what the finding did
            final long first = JSON.readTree(call("POST", base + "/v1/replay/ticks", "{" + WINDOW + ", \"speed\": 0, \"signals\": \"all\"}").body())
                .get("run_id").asLong();
            await().atMost(Duration.ofSeconds(300)).until(() -> !status(base, "replay/ticks", first).equals("running"));
            assertThat(status(base, "replay/ticks", first)).isEqualTo("completed");

            final Map<String, Integer> failures = new ConcurrentHashMap<>();
            final AtomicLong rowsRead = new AtomicLong();
            final List<CompletableFuture<Long>> replays = new ArrayList<>();
            final List<CompletableFuture<Long>> exports = new ArrayList<>();
            final List<CompletableFuture<Void>> readers = new ArrayList<>();
            for (int i = 0; i < 8; i++)
            {
                replays.add(CompletableFuture.supplyAsync(() -> start(base, "/v1/replay/ticks", "{" + WINDOW + ", \"speed\": 0, \"signals\": \"all\"}",
                    failures), clients));
            }
            for (int i = 0; i < 4; i++)
            {
                final String dataset = i % 2 == 0 ? "ticks" : "signals";
                exports.add(CompletableFuture.supplyAsync(() -> start(base, "/v1/exports", "{\"dataset\": \"" + dataset + "\", " + WINDOW + "}", failures),
                    clients));
            }
            for (int i = 0; i < 100; i++)
            {
                final String path = switch (i % 5)
                {
                    case 0 -> "/v1/signals?provider=ibkr&limit=100000";
                    case 1 -> "/v1/bars?provider=ibkr&interval=1m&limit=5000";
                    case 2 -> "/v1/replay/ticks?limit=50";
                    case 3 -> "/v1/exports";
                    default -> "/health";
                };
                readers.add(CompletableFuture.runAsync(() ->
                {
                    try
                    {
                        final HttpResponse<String> r = call("GET", base + path, null);
                        if (r.statusCode() != 200)
                        {
                            failures.merge(path + " -> " + r.statusCode() + " " + r.body(), 1, Integer::sum);
                        }
                        else if (path.startsWith("/v1/signals"))
                        {
                            rowsRead.addAndGet(JSON.readTree(r.body()).get("count").asLong());
                        }
                    }
                    catch (final Exception e)
                    {
                        failures.merge(path + " -> " + e, 1, Integer::sum);
                    }
                }, clients));
            }
            CompletableFuture.allOf(readers.toArray(CompletableFuture[]::new)).get(600, TimeUnit.SECONDS);
            for (final CompletableFuture<Long> r : replays)
            {
                final long id = r.get(60, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(600)).until(() -> !status(base, "replay/ticks", id).equals("running"));
                assertThat(status(base, "replay/ticks", id)).as("replay %d: %s", id, call("GET", base + "/v1/replay/ticks/" + id, null).body())
                    .isEqualTo("completed");
            }
            for (final CompletableFuture<Long> e : exports)
            {
                final long id = e.get(60, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(600)).until(() -> !status(base, "exports", id).equals("running"));
                assertThat(status(base, "exports", id)).as("export %d: %s", id, call("GET", base + "/v1/exports/" + id, null).body())
                    .isEqualTo("completed");
            }
            assertThat(new TreeMap<>(failures)).as("no request failed").isEmpty();
            assertThat(rowsRead.get()).as("twenty reads of 100,000 signal rows").isEqualTo(20 * 100_000L);
            assertThat(serve.isAlive()).isTrue();
            final String metrics = call("GET", base + "/metrics", null).body();
            System.out.println("LoadIT: heap after the load: " + metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\"")).toList());
            assertThat(Files.readString(dir.resolve("serve.log"))).doesNotContain("OutOfMemoryError").doesNotContain("Connection is not available");
        }
        finally
        {
            clients.shutdownNow();
            serve.destroy();
            if (!serve.waitFor(30, TimeUnit.SECONDS))
            {
                serve.destroyForcibly();
            }
        }
    }

    private static long start(final String base, final String path, final String body, final Map<String, Integer> failures)
    {
        try
        {
            final HttpResponse<String> r = call("POST", base + path, body);
            if (r.statusCode() != 200)
            {
                failures.merge("POST " + path + " -> " + r.statusCode() + " " + r.body(), 1, Integer::sum);
                throw new AssertionError(r.body());
            }
            final JsonNode job = JSON.readTree(r.body());
            return job.get("run_id").asLong();
        }
        catch (final Exception e)
        {
            throw new IllegalStateException(e);
        }
    }
}
