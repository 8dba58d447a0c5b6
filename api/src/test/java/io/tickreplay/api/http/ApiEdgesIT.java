package io.tickreplay.api.http;

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
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static io.tickreplay.api.http.ApiServices.call;
import static io.tickreplay.api.http.ApiServices.send;
import static org.assertj.core.api.Assertions.assertThat;

/** Edges of the HTTP surface a probe found: HEAD on the event stream, years past 9999, a 50 MB chunked body, deep nesting. */
class ApiEdgesIT
{
    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static int port;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("edges", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA")).ticksPerSecond(0.2).seed(5),
            new ReplayService.Context().journal(false).progressIntervalMillis(100));
        server = services.server(new ApiServer.Context().port(0).maxBodyBytes(16384).bodyTimeoutMillis(10_000).exportDir(dir.resolve("exports")));
        port = server.start();
        base = "http://127.0.0.1:" + port;
    }

    @AfterAll
    static void stop()
    {
        server.close();
        services.close();
    }

    @Test
    void theEventStreamAnswersHeadWithItsHeadersAndNoBody() throws Exception
    {
        final HttpResponse<String> head = send("HEAD", base + "/v1/events", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(head.body()).isEmpty();
    }

    @Test
    void aYearBeyond9999IsRefusedHoweverItIsWritten() throws Exception
    {
        for (final String start : new String[] {"%2B586579-11-03T14:30:00Z", "586579-11-03T14:30:00Z", "-0001-11-03T14:30:00Z"})
        {
            final Reply r = call("GET", base + "/v1/signals?provider=ibkr&symbol=NVDA&start=" + start + "&end=2025-11-04T00:00:00Z", null);
            assertThat(r.status()).as(start).isEqualTo(400);
            assertThat(r.json().get("field").asText()).isEqualTo("start");
            assertThat(r.json().get("error").asText()).contains("1900 and 9999");
        }
    }

    @Test
    void aFiftyMegabyteChunkedBodyGets413NotAReset() throws Exception
    {
        try (Socket s = new Socket("127.0.0.1", port))
        {
            s.setSoTimeout(30_000);
            final OutputStream out = s.getOutputStream();
            out.write(("POST /v1/replay/ticks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
            final byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte)'x');
            final byte[] size = (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
            for (int i = 0; i < 800; i++) // 50 MiB
            {
                out.write(size);
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            final String answer = read(s.getInputStream());
            assertThat(answer).startsWith("HTTP/1.1 413").contains("16384");
        }
    }

    @Test
    void aBodyNestedTooDeepIsRefusedInTheApisWordsNotJacksons() throws Exception
    {
        final String deep = "{\"a\":".repeat(1500) + "1" + "}".repeat(1500);
        final Reply r = call("POST", base + "/v1/replay/ticks", deep);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("error").asText()).contains("nest").doesNotContain("StreamReadConstraints").doesNotContain("()");
    }

    private static String read(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final byte[] buffer = new byte[8192];
        try
        {
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                got.write(buffer, 0, n);
                if (got.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n{") && got.toString(StandardCharsets.ISO_8859_1).endsWith("}"))
                {
                    break;
                }
            }
        }
        catch (final java.net.SocketTimeoutException e)
        {
            // what came is the answer
        }
        return got.toString(StandardCharsets.ISO_8859_1);
    }
}
