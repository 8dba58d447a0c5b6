package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.cli.CliIT;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.http.ApiServices.call;
import static io.tickreplay.api.http.ApiServices.send;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The API against clients that are slow, oversized, malformed, foreign or anonymous: a live server
 * on a real PostgreSQL, driven with raw sockets where HttpClient would be too polite (slow bodies,
 * chunked bodies, a Host header of another name, HEAD followed by another request on the connection).
 */
class ApiHardeningIT
{
    private static final String TOKEN = "hardening-token";
    private static final String BURST = "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:30:00Z\", " +
        "\"end\": \"2025-11-03T14:40:00Z\", \"speed\": 0, \"signals\": \"none\"}";
    private static final String LONG_RUN = "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:30:00Z\", " +
        "\"end\": \"2025-11-03T21:00:00Z\", \"speed\": 1, \"signals\": \"none\"}";
    private static final int BODY_TIMEOUT_MS = 2000;

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer open;
    private static int port;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("hardening", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL", "MSFT")).ticksPerSecond(1).seed(12),
            new ReplayService.Context().journal(false).ticksRingSize(1 << 14).progressIntervalMillis(100).maxConcurrent(8));
        open = services.server(context());
        port = open.start();
        base = "http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop()
    {
        open.close();
        services.close();
    }

    /** Loopback, no token, a 16 KiB cap and a 2 s body timeout. */
    private static ApiServer.Context context()
    {
        return new ApiServer.Context().port(0).maxBodyBytes(16384).bodyTimeoutMillis(BODY_TIMEOUT_MS).exportDir(dir.resolve("exports"));
    }

    // ---------------------------------------------------------------- slow and oversized bodies

    @Test
    void thirtyTwoClientsSendingABodyAByteEvery200MsHoldNoWorkerAndHealthKeepsAnswering() throws Exception
    {
        final int clients = 32;
        final long timeoutMs = 6000;
        try (ApiServer server = services.server(context().bodyTimeoutMillis(timeoutMs)))
        {
            final int p = server.start();
            final String health = "http://127.0.0.1:" + p + "/health";
            final List<Long> before = healthLatencies(health, 20, 50);
            final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
            final ExecutorService readers = Executors.newFixedThreadPool(clients);
            final List<Socket> sockets = new ArrayList<>();
            final List<CompletableFuture<Answer>> answers = new ArrayList<>();
            final long started = System.nanoTime();
            try
            {
                for (int i = 0; i < clients; i++)
                {
                    final Socket s = socket(p);
                    sockets.add(s);
                    s.getOutputStream().write(("POST /v1/replay/ticks HTTP/1.1\r\nHost: 127.0.0.1:" + p + "\r\nContent-Type: application/json\r\n" +
                        "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.ISO_8859_1));
                    answers.add(CompletableFuture.supplyAsync(() -> answer(s, started), readers));
                }
                trickle.scheduleAtFixedRate(() -> sockets.forEach(s -> quietly(s, out -> out.write(' '))), 200, 200, TimeUnit.MILLISECONDS);
                Thread.sleep(500); // every client is mid-body
                final List<Long> during = healthLatencies(health, 40, 100); // 4 s and more, all inside the 6 s the slow bodies have
                assertThat(during).as("every /health answered 200 within 5 s while %d clients sent their bodies slowly", clients).allMatch(ms -> ms >= 0);
                long first408 = Long.MAX_VALUE;
                long last408 = 0;
                for (final CompletableFuture<Answer> f : answers)
                {
                    final Answer a = f.get(timeoutMs + 10_000, TimeUnit.MILLISECONDS);
                    assertThat(a.text()).as("a slow body gets 408 with the JSON error").startsWith("HTTP/1.1 408").contains("\"error\"");
                    first408 = Math.min(first408, a.firstByteMillis());
                    last408 = Math.max(last408, a.firstByteMillis());
                }
                System.out.printf("HTTP figures: /health before: median %d ms, worst %d ms over %d calls; during %d slow bodies: median %d ms, worst %d ms " +
                    "over %d calls; their 408s came %d-%d ms after they began (api.body-timeout %d ms)%n", median(before), max(before), before.size(),
                    clients, median(during), max(during), during.size(), first408, last408, timeoutMs);
            }
            finally
            {
                trickle.shutdownNow();
                readers.shutdownNow();
                sockets.forEach(s -> quietly(s, out -> s.close()));
            }
        }
    }

    @Test
    void thirtyTwoClientsThatDoNotReadTheirDownloadHoldNoWorkerAndHealthKeepsAnswering() throws Exception
    {
        final Reply export = call("POST", base + "/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T14:40:00Z\", \"format\": \"csv\", \"output\": \"slow-readers.csv\"}");
        final long exportId = export.json().get("run_id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> get(base + "/v1/exports/" + exportId).json().get("status").asText().equals("completed"));
        // a file far larger than what the sockets buffer, so that each download stalls on its client
        final Path file = Path.of(get(base + "/v1/exports/" + exportId).json().get("metadata").get("output").asText());
        final byte[] block = new byte[1 << 20];
        java.util.Arrays.fill(block, (byte)'x');
        try (java.io.OutputStream out = Files.newOutputStream(file))
        {
            for (int i = 0; i < 64; i++)
            {
                out.write(block);
            }
        }
        final int clients = 32;
        final List<Socket> sockets = new ArrayList<>();
        try
        {
            for (int i = 0; i < clients; i++)
            {
                final Socket s = socket(port);
                s.setReceiveBufferSize(4096);
                sockets.add(s);
                s.getOutputStream().write(("GET /v1/exports/" + exportId + "/download HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                s.getInputStream().read(new byte[1]); // its answer has begun; then this client reads nothing more
            }
            Thread.sleep(500);
            final List<Long> during = healthLatencies(base + "/health", 20, 100);
            assertThat(during).as("every /health answered 200 within 5 s while %d clients did not read their downloads", clients).allMatch(ms -> ms >= 0);
            assertThat(get(base + "/v1/exports/" + exportId).status()).as("a route on a worker thread answers too").isEqualTo(200);
            // and a client that reads gets the whole file
            final HttpResponse<byte[]> whole = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/exports/" + exportId + "/download"))
                .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(whole.statusCode()).isEqualTo(200);
            assertThat(whole.body().length).isEqualTo(64 << 20);
            System.out.printf("HTTP figures: /health while %d clients stalled 64 MiB downloads: median %d ms, worst %d ms over %d calls%n", clients,
                median(during), max(during), during.size());
        }
        finally
        {
            sockets.forEach(s -> quietly(s, out -> s.close()));
        }
    }

    @Test
    void aBodyNotWholeWithinTheTimeoutGets408AndSlowHeadersAreCutOff() throws Exception
    {
        final long jobs = jobCount();
        try (Socket s = socket(port))
        {
            final long t0 = System.nanoTime();
            s.getOutputStream().write(("POST /v1/replay/ticks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n" +
                BURST.substring(0, 40)).getBytes(StandardCharsets.ISO_8859_1));
            final Answer a = answer(s, t0);
            assertThat(a.text()).startsWith("HTTP/1.1 408").contains("Connection: close").contains("api.body-timeout");
            assertThat(ApiServices.JSON.readTree(a.body()).get("field").isNull()).isTrue();
            System.out.printf("HTTP figures: a body stalled after 40 of 200 bytes got 408 after %d ms (api.body-timeout %d ms)%n", a.firstByteMillis(),
                BODY_TIMEOUT_MS);
        }
        try (Socket s = socket(port))
        {
            final long t0 = System.nanoTime();
            s.getOutputStream().write("POST /v1/replay/ticks HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
            final Answer a = answer(s, t0);
            assertThat(a.closed()).as("headers that never end: the connection is closed").isTrue();
            System.out.printf("HTTP figures: headers left unfinished: connection closed after %d ms%n", a.endMillis());
        }
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void aChunkedBodyOverTheCapGets413InsteadOfAReset() throws Exception
    {
        final long jobs = jobCount();
        try (Socket s = socket(port))
        {
            final OutputStream out = s.getOutputStream();
            out.write(("POST /v1/replay/ticks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
                "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            final byte[] chunk = ("{\"padding\": \"" + "x".repeat(8000) + "\"}").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 12; i++) // 96 KB against a 16 KiB cap
            {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            final Answer a = answer(s, System.nanoTime());
            assertThat(a.text()).startsWith("HTTP/1.1 413");
            assertThat(ApiServices.JSON.readTree(a.body()).get("error").asText()).contains("16384");
        }
        // declared far beyond what is worth reading: answered at once, nothing of it sent
        try (Socket s = socket(port))
        {
            s.getOutputStream().write(("POST /v1/exports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            final Answer a = answer(s, System.nanoTime());
            assertThat(a.text()).startsWith("HTTP/1.1 413").contains("50000000");
        }
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void aFieldGivenTwiceIsRefusedNamingIt() throws Exception
    {
        final long jobs = jobCount();
        final Reply twice = call("POST", base + "/v1/replay/ticks", "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"start\": \"2025-11-03T14:30:00Z\", " +
            "\"end\": \"2025-11-03T14:40:00Z\", \"speed\": 0, \"speed\": 1}");
        assertThat(twice.status()).isEqualTo(400);
        assertThat(twice.json().get("field").asText()).isEqualTo("speed");
        assertThat(twice.json().get("error").asText()).contains("speed");
        final Reply export = call("POST", base + "/v1/exports", "{\"dataset\": \"ticks\", \"output\": \"a.csv\", \"output\": \"../b.csv\"}");
        assertThat(export.status()).isEqualTo(400);
        assertThat(export.json().get("field").asText()).isEqualTo("output");
        assertThat(jobCount()).isEqualTo(jobs);
    }

    // ---------------------------------------------------------------- HEAD

    @Test
    void everyGetRouteAnswersHeadWithItsHeadersAndNoBody() throws Exception
    {
        final long runId = call("POST", base + "/v1/replay/ticks", BURST).json().get("run_id").asLong();
        final Reply export = call("POST", base + "/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
            "\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T14:40:00Z\", \"format\": \"csv\", \"output\": \"head.csv\"}");
        final long exportId = export.json().get("run_id").asLong();
        await().atMost(Duration.ofSeconds(60)).until(() -> get(base + "/v1/exports/" + exportId).json().get("status").asText().equals("completed")
            && get(base + "/v1/replay/ticks/" + runId).json().get("status").asText().equals("completed"));
        for (final String path : List.of("/v1/replay/ticks", "/v1/replay/ticks/" + runId, "/v1/signals", "/v1/bars", "/v1/exports",
            "/v1/exports/" + exportId, "/v1/exports/" + exportId + "/download", "/health", "/metrics", "/openapi.json"))
        {
            // HEAD, then a GET on the same connection: a body after HEAD's headers would be read as the second answer's start
            try (Socket s = socket(port))
            {
                s.getOutputStream().write(("HEAD " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
                final String text = answer(s, System.nanoTime()).text();
                assertThat(text).as("HEAD " + path).startsWith("HTTP/1.1 200");
                final int end = text.indexOf("\r\n\r\n");
                assertThat(text.substring(0, end)).as("HEAD " + path).containsIgnoringCase("Content-Type:");
                assertThat(text.substring(end + 4)).as("nothing between HEAD %s's headers and the next answer", path).startsWith("HTTP/1.1 200");
            }
        }
        final HttpResponse<String> head = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(base + "/openapi.json")).method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.headers().firstValueAsLong("Content-Length").orElse(-1)).isEqualTo(get(base + "/openapi.json").text().length());
    }

    // ---------------------------------------------------------------- foreign origins

    @Test
    void aFormPostFromAnotherOriginIsRefusedAndChangesNothing() throws Exception
    {
        final long jobs = jobCount();
        final Reply form = call("POST", base + "/v1/replay/ticks", BURST, "Origin", "http://evil.example", "Content-Type", "application/x-www-form-urlencoded");
        assertThat(form.status()).isEqualTo(403);
        assertThat(form.json().get("field").asText()).isEqualTo("Origin");
        final Reply referred = call("POST", base + "/v1/replay/ticks", BURST, "Referer", "https://evil.example/page.html", "Content-Type",
            "application/x-www-form-urlencoded");
        assertThat(referred.status()).isEqualTo(403);
        assertThat(referred.json().get("field").asText()).isEqualTo("Referer");
        assertThat(call("POST", base + "/v1/replay/ticks", BURST, "Origin", "null").status()).as("a sandboxed page's origin").isEqualTo(403);
        assertThat(jobCount()).as("no job started").isEqualTo(jobs);

        final long runId = call("POST", base + "/v1/replay/ticks", LONG_RUN).json().get("run_id").asLong();
        final Reply cancel = call("POST", base + "/v1/replay/ticks/" + runId + "/cancel", null, "Origin", "http://evil.example", "Content-Type",
            "application/x-www-form-urlencoded");
        assertThat(cancel.status()).isEqualTo(403);
        assertThat(services.replays.active(runId)).as("the run goes on").isPresent();
        assertThat(call("POST", base + "/v1/replay/ticks/" + runId + "/cancel", null).json().get("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void aJsonPostFromTheServersOwnOriginIsAcceptedAndAFormOneIsNot() throws Exception
    {
        final Reply own = call("POST", base + "/v1/replay/ticks", BURST, "Origin", base);
        assertThat(own.status()).as(own.text()).isEqualTo(200);
        final Reply ownByName = call("POST", "http://localhost:" + port + "/v1/replay/ticks", BURST, "Origin", "http://localhost:" + port,
            "Content-Type", "application/json; charset=utf-8");
        assertThat(ownByName.status()).as(ownByName.text()).isEqualTo(200);
        final Reply form = call("POST", base + "/v1/replay/ticks", BURST, "Origin", base, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(form.status()).isEqualTo(415);
        assertThat(form.json().get("field").asText()).isEqualTo("Content-Type");
    }

    @Test
    void theSeedsCurlShapesStillWork() throws Exception
    {
        final String seed;
        try (InputStream in = ApiHardeningIT.class.getResourceAsStream("/seed/training_data_replay.sh"))
        {
            seed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        final Path script = dir.resolve("shapes.sh");
        Files.writeString(script, """
            set -eu
            base="$1"
            # the seed's own lines (section 5.2), as ApiIT runs them: JSON content type, no Origin
            %seed%
            echo
            # curl -d without a type sends the form type: read as JSON, as before
            run=$(curl -sS -X POST "$base/v1/replay/ticks" -d '%body%' | python3 -c 'import json,sys; print(json.load(sys.stdin)["run_id"])')
            echo "form run: $run"
            # a bodyless control POST
            echo "cancel: $(curl -sS -o /dev/null -w '%{http_code}' -X POST "$base/v1/replay/ticks/$run/cancel")"
            """.replace("%body%", LONG_RUN).replace("%seed%", seed.replace("http://localhost:8083", "$base")));
        final Process p = new ProcessBuilder("bash", script.toString(), base).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("\"job_name\":\"tick_replay\"").containsPattern("form run: [0-9]+").contains("cancel: 200");
    }

    @Test
    void aListedOriginMayPostAndIsAnsweredWithCors() throws Exception
    {
        final String cockpit = "http://cockpit.example:3000";
        try (ApiServer server = services.server(context().allowedOrigins(List.of(cockpit + "/"))))
        {
            final String b = "http://127.0.0.1:" + server.start();
            final HttpResponse<String> preflight = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(b + "/v1/replay/ticks"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", cockpit).header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(preflight.statusCode()).isEqualTo(204);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).contains(cockpit);
            assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers").orElse("")).contains("Content-Type");
            final Reply posted = call("POST", b + "/v1/replay/ticks", BURST, "Origin", cockpit);
            assertThat(posted.status()).as(posted.text()).isEqualTo(200);
            assertThat(posted.headers().firstValue("Access-Control-Allow-Origin")).contains(cockpit);
            final HttpResponse<String> evil = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(b + "/v1/replay/ticks"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "http://evil.example").header("Access-Control-Request-Method", "POST")
                .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(evil.statusCode()).isEqualTo(403);
            assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
            assertThat(call("POST", b + "/v1/replay/ticks", BURST, "Origin", "http://evil.example").status()).isEqualTo(403);
        }
        assertThatThrownBy(() -> context().allowedOrigins(List.of("cockpit.example")).conclude()).hasMessageContaining("api.allowed-origins");
        assertThatThrownBy(() -> context().allowedOrigins(List.of("https://cockpit.example/app")).conclude()).hasMessageContaining("api.allowed-origins");
    }

    @Test
    void aLoopbackServerAnswersOnlyToLoopbackNames() throws Exception
    {
        for (final String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port))
        {
            assertThat(rawGet("/v1/replay/ticks", host)).as(host).startsWith("HTTP/1.1 200");
        }
        // a name re-pointed at 127.0.0.1 (DNS rebinding) would make the attacker's page same-origin with the API
        final String rebound = rawGet("/v1/replay/ticks", "evil.example:" + port);
        assertThat(rebound).startsWith("HTTP/1.1 403").contains("\"field\":\"Host\"");
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception
    {
        try (ApiServer guarded = services.server(context().token(TOKEN)))
        {
            final String g = "http://127.0.0.1:" + guarded.start();
            final List<HttpResponse<String>> answers = List.of(
                send("GET", base + "/health", null), send("GET", base + "/metrics", null), send("GET", base + "/openapi.json", null),
                send("GET", base + "/v1/nothing", null), send("DELETE", base + "/v1/replay/ticks", null),
                send("POST", base + "/v1/replay/ticks", "{\"x\": " + "1".repeat(20_000) + "}"),
                send("GET", g + "/v1/replay/ticks", null), send("POST", g + "/v1/replay/ticks", BURST));
            assertThat(answers.stream().map(HttpResponse::statusCode)).containsExactly(200, 200, 200, 404, 405, 413, 401, 401);
            for (final HttpResponse<String> a : answers)
            {
                assertThat(a.headers().firstValue("X-Content-Type-Options")).as(a.toString()).contains("nosniff");
                assertThat(a.headers().firstValue("Cache-Control")).as(a.toString()).contains("no-store");
            }
        }
    }

    // ---------------------------------------------------------------- bind, token, anonymous callers

    @Test
    void aBindBeyondLoopbackWithoutATokenRefusesToStartInOneLine() throws Exception
    {
        final CliIT.Run serve = CliIT.run("serve", "--bind", "0.0.0.0", "--port", "0");
        assertThat(serve.exit()).isEqualTo(2);
        assertThat(serve.err().strip()).doesNotContain("\n").contains("api.bind").contains("api.token").contains("api.allow-anonymous");
        assertThatThrownBy(() -> context().bind("0.0.0.0").conclude()).hasMessageContaining("api.bind");
        assertThat(context().bind("0.0.0.0").token(TOKEN).conclude().loopback()).isFalse();
        assertThat(context().bind("0.0.0.0").allowAnonymous(true).conclude().loopback()).isFalse();
        assertThat(context().bind("localhost").conclude().loopback()).isTrue();
    }

    @Test
    void withATokenReadsNeedItUnlessReadsArePublic() throws Exception
    {
        try (ApiServer closed = services.server(context().token(TOKEN));
             ApiServer readable = services.server(context().token(TOKEN).publicReads(true)))
        {
            final String c = "http://127.0.0.1:" + closed.start();
            final String r = "http://127.0.0.1:" + readable.start();
            final Reply refused = get(c + "/v1/replay/ticks");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.json().get("field").asText()).isEqualTo("Authorization");
            assertThat(refused.headers().firstValue("WWW-Authenticate")).contains("Bearer");
            assertThat(call("GET", c + "/v1/replay/ticks", null, "Authorization", "Bearer " + TOKEN).status()).isEqualTo(200);
            assertThat(get(c + "/health").status()).isEqualTo(200);
            assertThat(get(r + "/v1/replay/ticks").status()).isEqualTo(200);
            assertThat(get(r + "/metrics").status()).isEqualTo(200);
            assertThat(call("POST", r + "/v1/replay/ticks", BURST).status()).as("writes still need it").isEqualTo(401);
        }
    }

    @Test
    void callersWithoutTheTokenSeeNoPidHostOrAbsolutePath() throws Exception
    {
        try (ApiServer server = services.server(context().token(TOKEN).publicReads(true)))
        {
            final String b = "http://127.0.0.1:" + server.start();
            final String bearer = "Bearer " + TOKEN;
            final Reply started = call("POST", b + "/v1/exports", "{\"dataset\": \"ticks\", \"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], " +
                "\"start\": \"2025-11-03T14:30:00Z\", \"end\": \"2025-11-03T14:40:00Z\", \"format\": \"csv\", \"output\": \"anonymous.csv\"}",
                "Authorization", bearer);
            assertThat(started.status()).as(started.text()).isEqualTo(200);
            final long id = started.json().get("run_id").asLong();
            await().atMost(Duration.ofSeconds(60)).until(() -> get(b + "/v1/exports/" + id).json().get("status").asText().equals("completed"));
            final long runId = call("POST", b + "/v1/replay/ticks", BURST, "Authorization", bearer).json().get("run_id").asLong();

            final JsonNode trusted = call("GET", b + "/v1/exports/" + id, null, "Authorization", bearer).json().get("metadata");
            assertThat(trusted.has("pid")).isTrue();
            assertThat(trusted.has("host")).isTrue();
            assertThat(trusted.get("output").asText()).isEqualTo(dir.resolve("exports").resolve("anonymous.csv").toString());

            final List<JsonNode> anonymous = List.of(get(b + "/v1/exports/" + id).json(), get(b + "/v1/exports?limit=100").json().get("exports").get(0),
                get(b + "/v1/replay/ticks/" + runId).json(), get(b + "/v1/replay/ticks?limit=100").json().get("runs").get(0));
            for (final JsonNode job : anonymous)
            {
                assertThat(job.get("metadata").has("pid")).as(job.toString()).isFalse();
                assertThat(job.get("metadata").has("host")).as(job.toString()).isFalse();
                assertThat(job.toString()).as("no absolute path").doesNotContain(dir.toString()).doesNotContainPattern("\"/(?!v1/)");
            }
            assertThat(anonymous.get(0).get("metadata").get("output").asText()).endsWith("anonymous.csv");

            Files.delete(dir.resolve("exports").resolve("anonymous.csv"));
            final Reply gone = get(b + "/v1/exports/" + id + "/download");
            assertThat(gone.status()).isEqualTo(410);
            assertThat(gone.json().get("error").asText()).contains("anonymous.csv").doesNotContain(dir.toString());
            assertThat(call("GET", b + "/v1/exports/" + id + "/download", null, "Authorization", bearer).json().get("error").asText())
                .contains(dir.toString());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** What a raw client read: all of it (up to the close, a reset or 20 s), and when its first and last bytes came. */
    record Answer(String text, boolean closed, long firstByteMillis, long endMillis)
    {
        String body()
        {
            return text.substring(text.indexOf("\r\n\r\n") + 4);
        }
    }

    private static Socket socket(final int p) throws IOException
    {
        final Socket s = new Socket("127.0.0.1", p);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Reads until the server closes (or resets, or 20 s pass), keeping what came before. */
    private static Answer answer(final Socket s, final long t0)
    {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        long first = -1;
        boolean closed = false;
        try
        {
            final InputStream in = s.getInputStream();
            final byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                if (first < 0)
                {
                    first = System.nanoTime();
                }
                got.write(buffer, 0, n);
            }
            closed = true;
        }
        catch (final IOException e)
        {
            closed = !(e instanceof java.net.SocketTimeoutException);
        }
        return new Answer(got.toString(StandardCharsets.ISO_8859_1), closed, first < 0 ? -1 : (first - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
    }

    private static String rawGet(final String path, final String host) throws IOException
    {
        try (Socket s = socket(port))
        {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            return answer(s, System.nanoTime()).text();
        }
    }

    private interface Io
    {
        void run(OutputStream out) throws IOException;
    }

    private static void quietly(final Socket s, final Io io)
    {
        try
        {
            io.run(s.getOutputStream());
        }
        catch (final IOException e)
        {
            // answered and closed: nothing more to send
        }
    }

    /** Milliseconds each of {@code n} GETs took, {@code pause} ms apart; the last -1 when one failed or did not answer 200 within 5 s. */
    private static List<Long> healthLatencies(final String url, final int n, final long pause) throws InterruptedException
    {
        final List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
        {
            final long t0 = System.nanoTime();
            long ms;
            try
            {
                final HttpResponse<String> r = ApiServices.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
                ms = r.statusCode() == 200 ? (System.nanoTime() - t0) / 1_000_000 : -1;
            }
            catch (final IOException e)
            {
                ms = -1;
            }
            out.add(ms);
            if (ms < 0)
            {
                break; // one is enough to fail on, and the rest would each wait the 5 s out
            }
            Thread.sleep(pause);
        }
        return out;
    }

    private static long median(final List<Long> values)
    {
        return values.stream().sorted().toList().get(values.size() / 2);
    }

    private static long max(final List<Long> values)
    {
        return values.stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    private static Reply get(final String url) throws Exception
    {
        return call("GET", url, null);
    }

    private static long jobCount() throws Exception
    {
        return services.jobCount();
    }
}
