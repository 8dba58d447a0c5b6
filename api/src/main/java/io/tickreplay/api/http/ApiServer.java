package io.tickreplay.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.export.ExportRequest;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayLimitException;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.tick.Micros;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The control API on Undertow: the seed's replay routes with its exact request and response fields,
 * live control of a run, signals and bars for the cockpit, exports, health, Prometheus metrics and
 * the OpenAPI document ({@code /openapi.json}, docs/api.md).
 *
 * <p>Every handler runs on a worker thread ({@link BlockingHandler}), never on an I/O thread. A bad
 * request gets a 4xx with {@code {"error": ..., "field": ...}} and starts nothing; bodies are
 * capped; unknown fields are refused. With a token configured, every route that changes state
 * (every POST) needs {@code Authorization: Bearer <token>}.
 */
public final class ApiServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String JSON_TYPE = "application/json";
    private static final int MAX_LIST = 1000;
    private static final int MAX_ROWS = 100_000;

    /** Where and how to serve. {@code token} empty: no guard. */
    public record Config(String bind, int port, String token, int maxBodyBytes, Path exportDir)
    {
    }

    private final Config config;
    private final Database db;
    private final SeriesStore series;
    private final ReplayService replays;
    private final ExportService exports;
    private final PrometheusMeterRegistry metrics;
    private final byte[] token;
    private final Undertow server;

    public ApiServer(final Config config, final Database db, final ReplayService replays, final ExportService exports,
        final PrometheusMeterRegistry metrics)
    {
        this.config = config;
        this.db = db;
        this.series = new SeriesStore(db.dataSource());
        this.replays = replays;
        this.exports = exports;
        this.metrics = metrics;
        this.token = config.token() == null || config.token().isEmpty() ? null : config.token().getBytes(StandardCharsets.UTF_8);
        final RoutingHandler routes = Handlers.routing()
            .post("/v1/replay/ticks", guarded(this::startReplay))
            .get("/v1/replay/ticks", open(this::listReplays))
            .get("/v1/replay/ticks/{run_id}", open(this::getReplay))
            .post("/v1/replay/ticks/{run_id}/pause", guarded(e -> control(e, "pause")))
            .post("/v1/replay/ticks/{run_id}/resume", guarded(e -> control(e, "resume")))
            .post("/v1/replay/ticks/{run_id}/cancel", guarded(e -> control(e, "cancel")))
            .post("/v1/replay/ticks/{run_id}/speed", guarded(e -> control(e, "speed")))
            .post("/v1/replay/ticks/{run_id}/seek", guarded(e -> control(e, "seek")))
            .get("/v1/signals", open(this::signals))
            .get("/v1/bars", open(this::bars))
            .post("/v1/exports", guarded(this::startExport))
            .get("/v1/exports", open(this::listExports))
            .get("/v1/exports/{id}", open(this::getExport))
            .get("/v1/exports/{id}/download", open(this::download))
            .get("/health", open(this::health))
            .get("/metrics", open(this::metrics))
            .get("/openapi.json", open(this::openApi))
            .setFallbackHandler(open(e -> { throw ApiError.notFound(null, "no route " + e.getRequestMethod() + " " + e.getRequestPath()); }))
            .setInvalidMethodHandler(open(e -> { throw new ApiError(405, null, "method " + e.getRequestMethod() + " is not allowed on " + e.getRequestPath()); }));
        server = Undertow.builder()
            .addHttpListener(config.port(), config.bind())
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long)config.maxBodyBytes())
            .setHandler(routes)
            .build();
    }

    /** Starts listening; returns the port (useful with port 0). */
    public int start()
    {
        server.start();
        return port();
    }

    public int port()
    {
        return ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
    }

    @Override
    public void close()
    {
        server.stop();
    }

    // ---- plumbing ------------------------------------------------------------------------------

    @FunctionalInterface
    private interface Route
    {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    private HttpHandler open(final Route route)
    {
        return new BlockingHandler(exchange -> run(exchange, route));
    }

    private HttpHandler guarded(final Route route)
    {
        return new BlockingHandler(exchange -> run(exchange, e ->
        {
            if (token != null)
            {
                final String header = e.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
                final byte[] given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                    ? header.substring(7).strip().getBytes(StandardCharsets.UTF_8) : null;
                if (given == null || !MessageDigest.isEqual(given, token))
                {
                    e.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                    throw new ApiError(401, "Authorization", "this route changes state: it needs the header Authorization: Bearer <api.token>");
                }
            }
            route.handle(e);
        }));
    }

    private static void run(final HttpServerExchange exchange, final Route route)
    {
        try
        {
            route.handle(exchange);
        }
        catch (final ApiError e)
        {
            error(exchange, e.status(), e.field(), e.getMessage());
        }
        catch (final ReplayRequest.InvalidField e)
        {
            error(exchange, 400, e.field(), e.getMessage());
        }
        catch (final ReplayLimitException e)
        {
            error(exchange, 429, null, e.getMessage());
        }
        catch (final Exception e)
        {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
            error(exchange, 500, null, "internal error: " + e.getMessage());
        }
    }

    private static void error(final HttpServerExchange exchange, final int status, final String field, final String message)
    {
        if (exchange.isResponseStarted())
        {
            exchange.endExchange();
            return;
        }
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", message);
        body.put("field", field);
        send(exchange, status, body);
    }

    private static void send(final HttpServerExchange exchange, final int status, final Object body)
    {
        final byte[] bytes;
        try
        {
            bytes = JSON.writeValueAsBytes(body);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON_TYPE);
        exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(bytes));
    }

    /** The JSON body, at most {@code maxBodyBytes}, of type application/json. */
    private JsonBody body(final HttpServerExchange exchange, final Set<String> allowed) throws IOException
    {
        final String type = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        // curl -d sends application/x-www-form-urlencoded unless told otherwise: its body is still read as JSON
        if (type != null && !type.toLowerCase().startsWith(JSON_TYPE) && !type.toLowerCase().startsWith("application/x-www-form-urlencoded"))
        {
            throw new ApiError(415, "Content-Type", "the body must be JSON (Content-Type: application/json), was " + type);
        }
        final long length = exchange.getRequestContentLength();
        if (length > config.maxBodyBytes())
        {
            exchange.setPersistent(false); // the unread body must not be taken for the next request on this connection
            throw new ApiError(413, null, "the body is " + length + " bytes; at most " + config.maxBodyBytes() + " are accepted");
        }
        final byte[] bytes;
        try (InputStream in = exchange.getInputStream())
        {
            bytes = in.readNBytes(config.maxBodyBytes() + 1);
        }
        catch (final IOException e)
        {
            exchange.setPersistent(false);
            throw new ApiError(413, null, "the body is over " + config.maxBodyBytes() + " bytes");
        }
        if (bytes.length > config.maxBodyBytes())
        {
            exchange.setPersistent(false);
            throw new ApiError(413, null, "the body is over " + config.maxBodyBytes() + " bytes");
        }
        if (bytes.length == 0)
        {
            throw ApiError.badRequest(null, "the body is empty: a JSON object is expected");
        }
        final JsonNode node;
        try
        {
            node = JSON.readTree(bytes);
        }
        catch (final JsonProcessingException e)
        {
            throw ApiError.badRequest(null, "the body is not valid JSON: " + e.getOriginalMessage());
        }
        return new JsonBody(node, allowed);
    }

    /** A parameter of the route's path template ({@code {run_id}}). */
    private static String param(final HttpServerExchange exchange, final String name)
    {
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        return match == null ? null : match.getParameters().get(name);
    }

    private static long id(final HttpServerExchange exchange, final String name)
    {
        final String v = param(exchange, name);
        try
        {
            final long id = Long.parseLong(v);
            if (id < 1)
            {
                throw new NumberFormatException();
            }
            return id;
        }
        catch (final NumberFormatException e)
        {
            throw ApiError.badRequest(name, name + " must be a positive integer, was '" + v + "'");
        }
    }

    /** Query parameters, checked against what the route knows. */
    private static Map<String, String> query(final HttpServerExchange exchange, final Set<String> allowed)
    {
        final Map<String, String> out = new LinkedHashMap<>();
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        final Set<String> templated = match == null ? Set.of() : match.getParameters().keySet();
        for (final Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet())
        {
            if (templated.contains(e.getKey()))
            {
                continue; // the routing puts the path's parameters among the query's
            }
            if (!allowed.contains(e.getKey()))
            {
                throw ApiError.badRequest(e.getKey(), "unknown query parameter '" + e.getKey() + "'; this route takes " + allowed.stream().sorted().toList());
            }
            if (e.getValue().size() > 1)
            {
                throw ApiError.badRequest(e.getKey(), e.getKey() + " is given more than once");
            }
            out.put(e.getKey(), e.getValue().getFirst());
        }
        return out;
    }

    private static int limit(final Map<String, String> q, final int defaultLimit, final int max)
    {
        return (int)integer(q, "limit", defaultLimit, 1, max);
    }

    private static long integer(final Map<String, String> q, final String name, final long otherwise, final long min, final long max)
    {
        final String v = q.get(name);
        if (v == null)
        {
            return otherwise;
        }
        try
        {
            final long n = Long.parseLong(v);
            if (n < min || n > max)
            {
                throw new NumberFormatException();
            }
            return n;
        }
        catch (final NumberFormatException e)
        {
            throw ApiError.badRequest(name, name + " must be an integer in [" + min + ", " + max + "], was '" + v + "'");
        }
    }

    // ---- replays -------------------------------------------------------------------------------

    private static final Set<String> REPLAY_FIELDS = Set.of("provider", "symbols", "start", "end", "speed", "source", "journal_run_id", "signals",
        "journal");

    private void startReplay(final HttpServerExchange exchange) throws Exception
    {
        final JsonBody b = body(exchange, REPLAY_FIELDS);
        final String source = b.has("source") ? b.string("source") : "database";
        final Double speedValue = b.number("speed");
        final double speed = speedValue == null ? 1.0 : speedValue;
        final ReplayRequest request;
        switch (source)
        {
            case "database" ->
            {
                if (b.has("journal_run_id"))
                {
                    throw ApiError.badRequest("journal_run_id", "journal_run_id goes with \"source\": \"journal\"");
                }
                final Boolean journal = b.bool("journal");
                request = new ReplayRequest(b.string("provider"), b.strings("symbols"), b.time("start"), b.time("end"), speed, null, journal,
                    b.stringOrStrings("signals"), null);
            }
            case "journal" ->
            {
                for (final String f : List.of("provider", "symbols", "start", "end", "journal"))
                {
                    if (b.has(f))
                    {
                        throw ApiError.badRequest(f, "a journal replay brings its own provider, symbols and window: drop " + f);
                    }
                }
                final Long journalRun = b.integer("journal_run_id");
                if (journalRun == null)
                {
                    throw ApiError.badRequest("journal_run_id", "journal_run_id (the run whose journal to replay) is required with \"source\": \"journal\"");
                }
                request = ReplayRequest.fromJournal(journalRun, speed).withSignals(b.stringOrStrings("signals"));
            }
            default -> throw ApiError.badRequest("source", "source must be \"database\" or \"journal\", was '" + source + "'");
        }
        ReplayRun run;
        try
        {
            run = replays.start(request);
        }
        catch (final ReplayRequest.InvalidField e)
        {
            throw ApiError.badRequest(e.field().equals("from_journal") ? "journal_run_id" : e.field(), e.getMessage());
        }
        send(exchange, 200, JobJson.of(replays.jobs().find(run.runId()).orElseThrow()));
    }

    private void getReplay(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        send(exchange, 200, JobJson.of(replayJob(id(exchange, "run_id"))));
    }

    private JobRunStore.JobRun replayJob(final long runId) throws SQLException
    {
        return replays.jobs().find(runId).filter(j -> j.jobName().equals(ReplayService.JOB_NAME))
            .orElseThrow(() -> ApiError.notFound("run_id", "no replay run " + runId));
    }

    private void listReplays(final HttpServerExchange exchange) throws SQLException
    {
        list(exchange, ReplayService.JOB_NAME, "runs", JobJson::of);
    }

    private void list(final HttpServerExchange exchange, final String jobName, final String key,
        final java.util.function.Function<JobRunStore.JobRun, Map<String, Object>> json) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("status", "provider", "limit", "offset"));
        final String status = q.get("status");
        if (status != null && !List.of("running", "paused", "completed", "failed", "cancelled").contains(status))
        {
            throw ApiError.badRequest("status", "status must be running, paused, completed, failed or cancelled, was '" + status + "'");
        }
        final int limit = limit(q, 50, MAX_LIST);
        final int offset = (int)integer(q, "offset", 0, 0, Integer.MAX_VALUE);
        final List<Map<String, Object>> items = new ArrayList<>();
        for (final JobRunStore.JobRun job : replays.jobs().list(jobName, status, q.get("provider"), limit + 1, offset))
        {
            items.add(json.apply(job));
        }
        final boolean more = items.size() > limit;
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put(key, more ? items.subList(0, limit) : items);
        body.put("limit", limit);
        body.put("offset", offset);
        body.put("next_offset", more ? offset + limit : null);
        send(exchange, 200, body);
    }

    private void control(final HttpServerExchange exchange, final String action) throws Exception
    {
        final long runId = id(exchange, "run_id");
        final JsonBody b = switch (action)
        {
            case "speed" -> body(exchange, Set.of("speed"));
            case "seek" -> body(exchange, Set.of("to"));
            default -> null;
        };
        final JobRunStore.JobRun job = replayJob(runId);
        final ReplayRun run = replays.active(runId)
            .orElseThrow(() -> new ApiError(409, "run_id", "replay run " + runId + " is " + job.status() + ": only a running or paused run can be controlled"));
        switch (action)
        {
            case "pause" -> run.control().pause();
            case "resume" -> run.control().resume();
            case "cancel" ->
            {
                run.control().cancel();
                try
                {
                    run.done().get(10, java.util.concurrent.TimeUnit.SECONDS); // answer with the final row, not a run still winding down
                }
                catch (final java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e)
                {
                    LOG.warn("replay {} did not end within 10 s of its cancel", runId);
                }
            }
            case "speed" ->
            {
                final Double speed = b.number("speed");
                if (speed == null || !(speed >= 0) || speed.isInfinite())
                {
                    throw ApiError.badRequest("speed", "speed must be a finite number >= 0 (0 = burst), was " + speed);
                }
                run.control().setSpeed(speed);
            }
            case "seek" ->
            {
                final Instant to = b.time("to");
                if (to == null)
                {
                    throw ApiError.badRequest("to", "to (the time to skip ahead to, ISO-8601) is required");
                }
                try
                {
                    run.control().seek(Micros.of(to));
                }
                catch (final IllegalArgumentException e)
                {
                    throw ApiError.badRequest("to", e.getMessage());
                }
            }
            default -> throw new IllegalStateException(action);
        }
        final Map<String, Object> body = JobJson.of(replays.jobs().find(runId).orElseThrow());
        if (!run.done().isDone())
        {
            body.put("status", run.status()); // the live state, ahead of the row's next progress write
        }
        send(exchange, 200, body);
    }

    // ---- signals and bars ----------------------------------------------------------------------

    private void signals(final HttpServerExchange exchange) throws SQLException, IOException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "name", "start", "end", "replay_run_id", "limit"));
        final SeriesStore.Window window = window(q);
        final Long replayRunId = q.containsKey("replay_run_id") ? integer(q, "replay_run_id", 0, 1, Long.MAX_VALUE) : null;
        final int limit = limit(q, 1000, MAX_ROWS);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final SeriesStore.SignalRow s : series.latestSignals(window, q.get("name"), replayRunId, limit))
        {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("provider", s.provider());
            row.put("symbol", s.symbol());
            row.put("ts", s.ts().toString());
            row.put("name", s.name());
            row.put("value", s.value());
            row.put("score", s.score());
            row.put("metadata", s.metadata() == null ? null : JSON.readTree(s.metadata()));
            rows.add(row);
        }
        sendRows(exchange, "signals", rows, limit);
    }

    private void bars(final HttpServerExchange exchange) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "interval", "start", "end", "limit"));
        final SeriesStore.Window window = window(q);
        final String interval = q.getOrDefault("interval", "1m");
        if (!ExportRequest.INTERVALS.contains(interval))
        {
            throw ApiError.badRequest("interval", "interval must be 1m, 5m or 1h, was '" + interval + "'");
        }
        final int limit = limit(q, 1000, MAX_ROWS);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final SeriesStore.BarRow b : series.latestBars(window, interval, limit))
        {
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("provider", b.provider());
            row.put("symbol", b.symbol());
            row.put("interval", b.interval());
            row.put("ts", b.ts().toString());
            row.put("open", b.open());
            row.put("high", b.high());
            row.put("low", b.low());
            row.put("close", b.close());
            row.put("volume", b.volume());
            row.put("trade_count", b.tradeCount());
            row.put("vwap", b.vwap());
            rows.add(row);
        }
        sendRows(exchange, "bars", rows, limit);
    }

    private static SeriesStore.Window window(final Map<String, String> q)
    {
        final Instant start = JsonBody.time("start", q.get("start"));
        final Instant end = JsonBody.time("end", q.get("end"));
        if (start != null && end != null && !start.isBefore(end))
        {
            throw ApiError.badRequest("end", "end must be after start (the window is [start, end))");
        }
        return new SeriesStore.Window(q.get("provider"), q.get("symbol"), start, end);
    }

    private static void sendRows(final HttpServerExchange exchange, final String key, final List<Map<String, Object>> rows, final int limit)
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put(key, rows);
        body.put("count", rows.size());
        body.put("limit", limit);
        send(exchange, 200, body);
    }

    // ---- exports -------------------------------------------------------------------------------

    private static final Set<String> EXPORT_FIELDS = Set.of("dataset", "provider", "symbols", "start", "end", "interval", "format", "output", "since_last");

    private void startExport(final HttpServerExchange exchange) throws Exception
    {
        final JsonBody b = body(exchange, EXPORT_FIELDS);
        final String dataset = b.string("dataset");
        String output = b.string("output");
        final String format = b.string("format");
        if (output != null)
        {
            // a name under api.export-dir, never a path elsewhere on the server
            if (output.isBlank() || output.contains("/") || output.contains("\\") || output.startsWith(".") || output.indexOf('\0') >= 0)
            {
                throw ApiError.badRequest("output", "output must be a plain file name (it goes under the server's export directory), was '" + output + "'");
            }
        }
        else
        {
            final String extension = format == null ? "csv" : format;
            output = (dataset == null ? "export" : dataset) + "-" + System.currentTimeMillis() + "-" +
                Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() & 0xffffffL) + "." + extension;
        }
        final Path target;
        try
        {
            target = config.exportDir().resolve(output);
        }
        catch (final java.nio.file.InvalidPathException e)
        {
            throw ApiError.badRequest("output", "output is not a valid file name: " + e.getMessage());
        }
        if (Files.exists(target))
        {
            // an earlier export's download would otherwise serve other rows than its job says
            throw new ApiError(409, "output", "an export named " + output + " exists already; choose another name");
        }
        final Boolean sinceLast = b.bool("since_last");
        final ExportRequest request = new ExportRequest(dataset, b.string("provider"), b.strings("symbols"), b.time("start"), b.time("end"),
            b.string("interval"), target.toString(), format, sinceLast != null && sinceLast);
        final ExportService.ExportJob job = exports.start(request);
        send(exchange, 200, exportJson(exports.jobs().find(job.id()).orElseThrow()));
    }

    private void getExport(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        send(exchange, 200, exportJson(exportJob(id(exchange, "id"))));
    }

    private void listExports(final HttpServerExchange exchange) throws SQLException
    {
        list(exchange, ExportService.JOB_NAME, "exports", this::exportJson);
    }

    private JobRunStore.JobRun exportJob(final long id) throws SQLException
    {
        return exports.jobs().find(id).filter(j -> j.jobName().equals(ExportService.JOB_NAME))
            .orElseThrow(() -> ApiError.notFound("id", "no export " + id));
    }

    private Map<String, Object> exportJson(final JobRunStore.JobRun job)
    {
        final Map<String, Object> body = JobJson.of(job);
        final ExportService.ExportJob running = exports.active(job.id());
        if (running != null && job.status().equals("running"))
        {
            body.put("rows_written", running.rows().get()); // live, ahead of the row's final count
        }
        body.put("download", job.status().equals("completed") ? "/v1/exports/" + job.id() + "/download" : null);
        return body;
    }

    private void download(final HttpServerExchange exchange) throws Exception
    {
        final JobRunStore.JobRun job = exportJob(id(exchange, "id"));
        if (!job.status().equals("completed"))
        {
            throw new ApiError(409, "id", "export " + job.id() + " is " + job.status() + ": there is a file only once it completed");
        }
        final Path file = Path.of(String.valueOf(job.metadata().get("output")));
        if (!Files.isRegularFile(file))
        {
            throw new ApiError(410, "id", "the file of export " + job.id() + " is gone: " + file);
        }
        final String format = String.valueOf(job.metadata().get("format"));
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, switch (format)
        {
            case "parquet" -> "application/vnd.apache.parquet";
            case "csv.gz" -> "application/gzip";
            default -> "text/csv; charset=utf-8";
        });
        exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, "attachment; filename=\"" + file.getFileName() + "\"");
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, Files.size(file));
        exchange.startBlocking();
        try (InputStream in = Files.newInputStream(file); OutputStream out = exchange.getOutputStream())
        {
            in.transferTo(out);
        }
    }

    // ---- health, metrics, OpenAPI --------------------------------------------------------------

    private void health(final HttpServerExchange exchange)
    {
        final Map<String, Object> body = new LinkedHashMap<>();
        try
        {
            db.ping();
            body.put("status", "ok");
            body.put("database", "ok");
            body.put("active_replays", replays.activeRuns().size());
            send(exchange, 200, body);
        }
        catch (final SQLException e)
        {
            body.put("status", "unavailable");
            body.put("database", e.getMessage());
            send(exchange, 503, body);
        }
    }

    private void metrics(final HttpServerExchange exchange)
    {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseSender().send(metrics.scrape());
    }

    private void openApi(final HttpServerExchange exchange) throws IOException
    {
        try (InputStream in = ApiServer.class.getResourceAsStream("/openapi.json"))
        {
            if (in == null)
            {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON_TYPE);
            exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(in.readAllBytes()));
        }
    }
}
