package io.tickreplay.api.http;

import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.RunTelemetryView;
import io.tickreplay.api.request.JsonBody;
import io.tickreplay.engine.signals.SignalSet;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static io.tickreplay.api.http.Exchanges.integer;
import static io.tickreplay.api.http.Exchanges.object;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The cockpit: its page and files ({@code GET /}, {@code /cockpit/*}, uPlot from its WebJar at
 * {@code /cockpit/vendor/*}) and the reads it needs beyond the seed's API: providers and symbols with
 * what the store holds of each, the latest run that wrote signals, a signal downsampled to a chart's
 * width, a run's timeline and latency distributions, and what a run holds counted. The files are read from the jar once and kept (a few hundred KB).
 */
final class CockpitRoutes
{
    private static final String UPLOT = "META-INF/resources/webjars/uplot/1.6.24/dist/";
    private static final HttpString CSP = new HttpString("Content-Security-Policy");
    /** The page's own files and nothing else; uPlot sets element styles from script. */
    private static final String PAGE_POLICY = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
    private static final int MAX_WIDTH = 4096;
    private static final int LATEST_RUNS = 10;

    private final SeriesStore series;
    private final ReplayService replays;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    CockpitRoutes(final SeriesStore series, final ReplayService replays)
    {
        this.series = series;
        this.replays = replays;
    }

    /** {@code GET /}: the cockpit's page. */
    void page(final HttpServerExchange exchange) throws IOException
    {
        serve(exchange, "cockpit/index.html");
    }

    /** {@code GET /cockpit/{file}} and {@code /cockpit/vendor/{file}}. */
    void file(final HttpServerExchange exchange) throws IOException
    {
        final String path = exchange.getRequestPath();
        final String name = path.substring("/cockpit/".length());
        if (!name.matches("(vendor/)?[A-Za-z0-9._-]{1,100}") || name.contains(".."))
        {
            throw ApiError.notFound("path", "no cockpit file " + path);
        }
        serve(exchange, name.startsWith("vendor/") ? UPLOT + name.substring("vendor/".length()) : "cockpit/" + name);
    }

    private void serve(final HttpServerExchange exchange, final String resource) throws IOException
    {
        final byte[] bytes = files.computeIfAbsent(resource, CockpitRoutes::load);
        if (bytes.length == 0)
        {
            throw ApiError.notFound("path", "no cockpit file " + exchange.getRequestPath());
        }
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType(resource));
        exchange.getResponseHeaders().put(CSP, PAGE_POLICY);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        if (exchange.getRequestMethod().equals(Methods.HEAD))
        {
            return;
        }
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    /** The resource's bytes; none (an empty array, kept too) when the jar does not hold it. */
    private static byte[] load(final String resource)
    {
        try (InputStream in = CockpitRoutes.class.getClassLoader().getResourceAsStream(resource))
        {
            return in == null ? new byte[0] : in.readAllBytes();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static String contentType(final String resource)
    {
        if (resource.endsWith(".html"))
        {
            return "text/html; charset=utf-8";
        }
        if (resource.endsWith(".css"))
        {
            return "text/css; charset=utf-8";
        }
        if (resource.endsWith(".js"))
        {
            return "text/javascript; charset=utf-8";
        }
        if (resource.endsWith(".svg"))
        {
            return "image/svg+xml";
        }
        return "application/octet-stream";
    }

    /** {@code GET /v1/providers}. */
    void providers(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final SeriesStore.Summary p : series.providers())
        {
            out.add(object("provider", p.name(), "symbols", p.symbols(), "ticks", p.ticks(), "first_ts", p.firstTs().toString(),
                "last_ts", p.lastTs().toString()));
        }
        send(exchange, 200, object("providers", out));
    }

    /** {@code GET /v1/symbols?provider=}. */
    void symbols(final HttpServerExchange exchange) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("provider"));
        final String provider = q.get("provider");
        if (provider == null || provider.isBlank())
        {
            throw ApiError.badRequest("provider", "provider is required, e.g. ?provider=ibkr (GET /v1/providers lists them)");
        }
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final SeriesStore.Summary s : series.symbols(provider))
        {
            out.add(object("symbol", s.name(), "ticks", s.ticks(), "first_ts", s.firstTs().toString(), "last_ts", s.lastTs().toString()));
        }
        send(exchange, 200, object("provider", provider, "symbols", out));
    }

    /**
     * {@code GET /v1/signals/chart?provider=&symbol=&name=&start=&end=&width=[&replay_run_id=|&live=true]}:
     * the signal as min, max and last per pixel column, and the 1-minute close the same way.
     */
    void signalChart(final HttpServerExchange exchange) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "name", "start", "end", "width", "replay_run_id", "live"));
        for (final String required : List.of("provider", "symbol", "name", "start", "end"))
        {
            if (q.get(required) == null || q.get(required).isBlank())
            {
                throw ApiError.badRequest(required, required + " is required");
            }
        }
        final Instant start = JsonBody.time("start", q.get("start"));
        final Instant end = JsonBody.time("end", q.get("end"));
        if (!start.isBefore(end))
        {
            throw ApiError.badRequest("end", "end must be after start (the window is [start, end))");
        }
        final int width = (int)integer(q, "width", 800, 1, MAX_WIDTH);
        final Long run = SeriesRoutes.run(q);
        final long began = System.nanoTime();
        final SeriesStore.Window window = new SeriesStore.Window(q.get("provider"), q.get("symbol"), start, end);
        final SeriesStore.Columns signal = series.signalColumns(window, q.get("name"), run != null && run > 0 ? run : null, run != null && run == 0, width);
        final SeriesStore.Columns close = series.closeColumns(window, run, width);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("rows", signal.rows());
        body.put("columns", signal.t().length);
        body.put("server_ms", (System.nanoTime() - began) / 1_000_000);
        body.put("downsampling", "min/max per pixel column");
        body.put("signal", object("t", signal.t(), "min", signal.min(), "max", signal.max(), "last", signal.last()));
        body.put("close", object("t", close.t(), "close", close.last()));
        send(exchange, 200, body);
    }

    /**
     * {@code GET /v1/signals/latest-run}: the newest replay run (of the {@value #LATEST_RUNS} newest that
     * have signal rows) with one of its symbols and signals (the first signal of {@code all} when it
     * wrote that) and the first and last ts of those rows; {@code run_id} null when there is none. What
     * the Signals page opens on ({@link SeriesStore#latestRunWithSignals}).
     */
    void latestSignalRun(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final String preferred = SignalSet.REGISTRY.keySet().iterator().next();
        final Optional<SeriesStore.RunSignals> found = series.latestRunWithSignals(ReplayService.JOB_NAME, preferred, LATEST_RUNS);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("run_id", found.map(SeriesStore.RunSignals::runId).orElse(null));
        found.ifPresent(r ->
        {
            body.put("provider", r.provider());
            body.put("symbol", r.symbol());
            body.put("name", r.name());
            body.put("first_ts", r.firstTs().toString());
            body.put("last_ts", r.lastTs().toString());
        });
        send(exchange, 200, body);
    }

    /** {@code GET /v1/replay/ticks/{run_id}/timeline}. */
    void timeline(final HttpServerExchange exchange) throws SQLException, IOException
    {
        query(exchange, Set.of());
        final long runId = Exchanges.id(exchange, "run_id");
        send(exchange, 200, telemetry(runId).timeline());
    }

    /** {@code GET /v1/replay/ticks/{run_id}/latency}. */
    void latency(final HttpServerExchange exchange) throws SQLException, IOException
    {
        query(exchange, Set.of());
        final long runId = Exchanges.id(exchange, "run_id");
        final RunTelemetryView view = telemetry(runId);
        send(exchange, 200, object("run_id", runId, "live", view.live(), "unit", "microseconds", "stages", view.latency()));
    }

    /**
     * {@code GET /v1/replay/ticks/{run_id}/rows}: what the run holds in the store, counted (its page's statistics):
     * signal rows per symbol and name, bars per symbol and interval, each with its first and last ts. 404 for
     * an unknown run. One pass over the run's own partition ({@link SeriesStore#runRows}).
     */
    void rows(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final long runId = Exchanges.id(exchange, "run_id");
        if (replays.jobs().find(runId).filter(j -> ReplayService.JOB_NAME.equals(j.jobName())).isEmpty())
        {
            throw ApiError.notFound("run_id", "no replay run " + runId);
        }
        final long began = System.nanoTime();
        final SeriesStore.RunRows rows = series.runRows(runId);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("run_id", runId);
        body.put("signals", rows.signals().stream().map(r -> count(r, "name")).toList());
        body.put("bars", rows.bars().stream().map(r -> count(r, "interval")).toList());
        body.put("server_ms", (System.nanoTime() - began) / 1_000_000);
        send(exchange, 200, body);
    }

    private static Map<String, Object> count(final SeriesStore.SeriesCount c, final String what)
    {
        return object("provider", c.provider(), "symbol", c.symbol(), what, c.name(), "rows", c.rows(), "first_ts", c.firstTs().toString(),
            "last_ts", c.lastTs().toString());
    }

    /** {@code GET /v1/replay/ticks/{run_id}/latency.hgrm?stage=}. */
    void hgrm(final HttpServerExchange exchange) throws SQLException, IOException
    {
        final Map<String, String> q = query(exchange, Set.of("stage"));
        final long runId = Exchanges.id(exchange, "run_id");
        final String stage = q.getOrDefault("stage", "lag");
        final String text = replays.hgrm(runId, stage).orElseThrow(() ->
            ApiError.notFound("stage", "replay run " + runId + " has no latency recorded for stage '" + stage + "' (GET .../latency lists them)"));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION,
            ExportRoutes.contentDisposition("replay-" + runId + "-" + stage.replaceAll("[^A-Za-z0-9._-]", "_") + ".hgrm"));
        exchange.getResponseSender().send(text, StandardCharsets.UTF_8);
    }

    private RunTelemetryView telemetry(final long runId) throws SQLException, IOException
    {
        return replays.telemetry(runId).orElseThrow(() -> ApiError.notFound("run_id",
            "replay run " + runId + " has no timeline: it is not running here and none was saved when it ended"));
    }
}
