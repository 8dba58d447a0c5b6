package io.tickreplay.api.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.adapters.postgres.ModelResults;
import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.ReplayLimitException;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.runs.RunCatalog;
import io.tickreplay.api.runs.RunDiff;
import io.tickreplay.api.schedule.ScheduleService;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import static io.tickreplay.api.http.Exchanges.error;

/**
 * The control API on Undertow: the seed's replay routes with its exact request and response fields,
 * live control of a run, signals and bars for the cockpit, exports, health, Prometheus metrics and
 * the OpenAPI document ({@code /openapi.json}, docs/api.md). This class is the route table and what
 * wraps every route (admission, the body, the mapping of failures to statuses); the routes live by
 * group in {@link ReplayRoutes}, {@link RunRoutes}, {@link ExportRoutes}, {@link SeriesRoutes} and {@link OperationRoutes}.
 *
 * <p>Threads: on an I/O thread every request is admitted or refused from its headers alone
 * ({@link HttpPolicy}: Host, token, Origin, content type), then its body is read without blocking,
 * capped and against a deadline ({@link BodyReader}); only a request whose body has all arrived is
 * dispatched to a worker thread, where its route runs (and may block on the database). A client
 * that sends slowly therefore holds a connection, never a worker. A refused request gets a 4xx with
 * {@code {"error": ..., "field": ...}} and starts nothing. Every GET route answers HEAD too.
 */
public final class ApiServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** Keep-alive connections with no request for this long are closed. */
    private static final int IDLE_CONNECTION_MILLIS = 60_000;

    /**
     * Where and how to serve ({@code api.*} settings), validated by {@link #conclude()}: a bind
     * beyond loopback needs a token or an explicit {@code allowAnonymous}.
     */
    public static final class Context
    {
        private String bind = "127.0.0.1";
        private int port = 8083;
        private String token = "";
        private boolean allowAnonymous;
        private boolean publicReads;
        private List<String> allowedOrigins = List.of();
        private int maxBodyBytes = 65536;
        private long bodyTimeoutMillis = 10_000;
        private long eventsPeriodMillis = 1_000;
        private Path exportDir = Path.of("data/exports").toAbsolutePath();
        private boolean loopback;

        public Context bind(final String bind)
        {
            this.bind = bind;
            return this;
        }

        public Context port(final int port)
        {
            this.port = port;
            return this;
        }

        /** Empty or null: no token. */
        public Context token(final String token)
        {
            this.token = token == null ? "" : token;
            return this;
        }

        public Context allowAnonymous(final boolean allowAnonymous)
        {
            this.allowAnonymous = allowAnonymous;
            return this;
        }

        public Context publicReads(final boolean publicReads)
        {
            this.publicReads = publicReads;
            return this;
        }

        public Context allowedOrigins(final List<String> allowedOrigins)
        {
            this.allowedOrigins = List.copyOf(allowedOrigins);
            return this;
        }

        public Context maxBodyBytes(final int maxBodyBytes)
        {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        public Context bodyTimeoutMillis(final long bodyTimeoutMillis)
        {
            this.bodyTimeoutMillis = bodyTimeoutMillis;
            return this;
        }

        public Context exportDir(final Path exportDir)
        {
            this.exportDir = exportDir;
            return this;
        }

        public String bind()
        {
            return bind;
        }

        public int port()
        {
            return port;
        }

        public String token()
        {
            return token;
        }

        public boolean guarded()
        {
            return !token.isEmpty();
        }

        public boolean allowAnonymous()
        {
            return allowAnonymous;
        }

        public boolean publicReads()
        {
            return publicReads;
        }

        public List<String> allowedOrigins()
        {
            return allowedOrigins;
        }

        public int maxBodyBytes()
        {
            return maxBodyBytes;
        }

        public long bodyTimeoutMillis()
        {
            return bodyTimeoutMillis;
        }

        /** How often {@code GET /v1/events} coalesces the state into one event (1 s). */
        public Context eventsPeriodMillis(final long millis)
        {
            this.eventsPeriodMillis = millis;
            return this;
        }

        public long eventsPeriodMillis()
        {
            return eventsPeriodMillis;
        }

        public Path exportDir()
        {
            return exportDir;
        }

        /** Whether the bind address reaches this machine only (valid after {@link #conclude()}). */
        public boolean loopback()
        {
            return loopback;
        }

        /** Checks the settings together; an error names the setting. */
        public Context conclude()
        {
            if (port < 0 || port > 65535)
            {
                throw new IllegalArgumentException("api.port must be in [0, 65535], was " + port);
            }
            if (maxBodyBytes < 1024)
            {
                throw new IllegalArgumentException("api.max-body-bytes must be >= 1024, was " + maxBodyBytes);
            }
            if (bodyTimeoutMillis < 1 || bodyTimeoutMillis > Integer.MAX_VALUE)
            {
                throw new IllegalArgumentException("api.body-timeout must be positive (and under 24 days), was " + bodyTimeoutMillis + " ms");
            }
            final List<String> origins = new ArrayList<>();
            for (final String origin : allowedOrigins)
            {
                if (!HttpPolicy.isOrigin(origin))
                {
                    throw new IllegalArgumentException("api.allowed-origins: '" + origin + "' is not an origin such as https://cockpit.example:3000 " +
                        "(a scheme, a host and maybe a port; no path)");
                }
                origins.add(HttpPolicy.origin(origin));
            }
            allowedOrigins = List.copyOf(origins);
            try
            {
                loopback = InetAddress.getByName(bind).isLoopbackAddress();
            }
            catch (final UnknownHostException e)
            {
                throw new IllegalArgumentException("api.bind: no such address '" + bind + "'");
            }
            if (!loopback && !guarded() && !allowAnonymous)
            {
                throw new IllegalArgumentException("api.bind is " + bind + ", beyond this machine, and api.token is empty: anyone who reaches the port " +
                    "could start and cancel replays; set api.token (TICKREPLAY_API_TOKEN), or api.allow-anonymous = true to serve without one, " +
                    "or bind 127.0.0.1");
            }
            return this;
        }
    }

    /** What a route does once admitted and its body has arrived; runs on a worker thread. */
    @FunctionalInterface
    interface Route
    {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    private final HttpPolicy policy;
    private final BodyReader bodies;
    private final Undertow server;
    private final EventStream events;

    public ApiServer(final Context context, final Database db, final ReplayService replays, final ExportService exports,
        final PrometheusMeterRegistry metrics)
    {
        context.conclude();
        policy = new HttpPolicy(context);
        bodies = new BodyReader(context.maxBodyBytes(), context.bodyTimeoutMillis());
        final RunCatalog runs = new RunCatalog(replays, db);
        final ReplayRoutes replay = new ReplayRoutes(replays, runs);
        final RunRoutes runRoutes = new RunRoutes(runs, new RunDiff(new JobRunStore(db.reads()), db.reads()));
        final ExportRoutes export = new ExportRoutes(exports, context.exportDir());
        final SeriesRoutes series = new SeriesRoutes(new SeriesStore(db.reads()));
        final OperationRoutes operations = new OperationRoutes(db, replays, metrics);
        final CockpitRoutes cockpit = new CockpitRoutes(new SeriesStore(db.reads()), replays);
        final ScheduleRoutes schedule = new ScheduleRoutes(new ScheduleService(
            new JobScheduleStore(db.dataSource()), Clock.systemUTC(), replays.config().importDir()));
        final ModelRoutes model = new ModelRoutes(replays.models(), replays.config().importDir(), new ModelResults(db.reads()));
        events = new EventStream(replays, runs, exports, export::json, context.eventsPeriodMillis());
        final RoutingHandler routes = Handlers.routing();
        post(routes, "/v1/replay/ticks", true, replay::start);
        read(routes, "/v1/replay/ticks", HttpPolicy.Access.READ, replay::list);
        read(routes, "/v1/replay/ticks/{run_id}", HttpPolicy.Access.READ, replay::get);
        routes.delete("/v1/replay/ticks/{run_id}", admitted(HttpPolicy.Access.WRITE, false, runRoutes::delete));
        read(routes, "/v1/runs", HttpPolicy.Access.READ, runRoutes::list);
        for (final String action : List.of("pause", "resume", "cancel"))
        {
            post(routes, "/v1/replay/ticks/{run_id}/" + action, false, e -> replay.control(e, action));
        }
        for (final String action : List.of("speed", "seek"))
        {
            post(routes, "/v1/replay/ticks/{run_id}/" + action, true, e -> replay.control(e, action));
        }
        read(routes, "/v1/replay/ticks/{run_id}/manifest", HttpPolicy.Access.READ, replay::manifest);
        read(routes, "/v1/replay/ticks/{run_id}/timeline", HttpPolicy.Access.READ, cockpit::timeline);
        read(routes, "/v1/replay/ticks/{run_id}/rows", HttpPolicy.Access.READ, cockpit::rows);
        read(routes, "/v1/replay/ticks/{run_id}/latency", HttpPolicy.Access.READ, cockpit::latency);
        read(routes, "/v1/replay/ticks/{run_id}/latency.hgrm", HttpPolicy.Access.READ, cockpit::hgrm);
        read(routes, "/v1/providers", HttpPolicy.Access.READ, cockpit::providers);
        read(routes, "/v1/symbols", HttpPolicy.Access.READ, cockpit::symbols);
        read(routes, "/v1/signals/chart", HttpPolicy.Access.READ, cockpit::signalChart);
        read(routes, "/v1/signals/latest-run", HttpPolicy.Access.READ, cockpit::latestSignalRun);
        read(routes, "/v1/signals", HttpPolicy.Access.READ, series::signals);
        read(routes, "/v1/runs/diff", HttpPolicy.Access.READ, runRoutes::diff);
        read(routes, "/v1/bars", HttpPolicy.Access.READ, series::bars);
        post(routes, "/v1/exports", true, export::start);
        read(routes, "/v1/exports", HttpPolicy.Access.READ, export::list);
        read(routes, "/v1/exports/{id}", HttpPolicy.Access.READ, export::get);
        read(routes, "/v1/exports/{id}/download", HttpPolicy.Access.READ, export::download);
        post(routes, "/v1/models", true, model::create);
        read(routes, "/v1/models", HttpPolicy.Access.READ, model::list);
        read(routes, "/v1/models/{name}", HttpPolicy.Access.READ, model::get);
        read(routes, "/v1/models/{name}/scores", HttpPolicy.Access.READ, model::scores);
        read(routes, "/v1/models/{name}/predictions", HttpPolicy.Access.READ, model::predictions);
        routes.delete("/v1/models/{name}", admitted(HttpPolicy.Access.WRITE, false, model::delete));
        post(routes, "/v1/schedules", true, schedule::create);
        read(routes, "/v1/schedules", HttpPolicy.Access.READ, schedule::list);
        read(routes, "/v1/schedules/{id}", HttpPolicy.Access.READ, schedule::get);
        routes.delete("/v1/schedules/{id}", admitted(HttpPolicy.Access.WRITE, false, schedule::delete));
        read(routes, "/health", HttpPolicy.Access.OPEN, operations::health);
        read(routes, "/metrics", HttpPolicy.Access.READ, operations::metrics);
        read(routes, "/openapi.json", HttpPolicy.Access.OPEN, operations::openApi);
        read(routes, "/", HttpPolicy.Access.OPEN, cockpit::page);
        read(routes, "/cockpit/{file}", HttpPolicy.Access.OPEN, cockpit::file);
        read(routes, "/cockpit/vendor/{file}", HttpPolicy.Access.OPEN, cockpit::file);
        // the event stream stays open on the I/O thread: no worker is held per listener
        final HttpHandler stream = exchange ->
        {
            try
            {
                policy.admit(exchange, HttpPolicy.Access.READ, false);
                events.handle(exchange);
            }
            catch (final ApiError e)
            {
                error(exchange, e.status(), e.field(), e.getMessage());
            }
        };
        routes.get("/v1/events", stream);
        // HEAD: the stream's headers, admitted as a GET is, and no stream kept open
        routes.add(Methods.HEAD, "/v1/events", exchange ->
        {
            try
            {
                policy.admit(exchange, HttpPolicy.Access.READ, false);
                exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream");
                exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
                exchange.setStatusCode(200);
                exchange.endExchange();
            }
            catch (final ApiError e)
            {
                error(exchange, e.status(), e.field(), e.getMessage());
            }
        });
        routes.setFallbackHandler(e -> error(e, 404, null, "no route " + e.getRequestMethod() + " " + e.getRequestPath()));
        routes.setInvalidMethodHandler(e -> error(e, 405, null, "method " + e.getRequestMethod() + " is not allowed on " + e.getRequestPath()));
        final HttpHandler root = exchange ->
        {
            if (policy.greet(exchange))
            {
                bodies.arm(exchange);
                routes.handleRequest(exchange);
            }
        };
        server = Undertow.builder()
            .addHttpListener(context.port(), context.bind())
            // the reader stops at cap + swallow itself; this bounds what Undertow drains after an early answer
            .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, (long)context.maxBodyBytes() + BodyReader.DRAIN_UNDECLARED_BYTES)
            // slow headers: the connection is closed (no handler has run, so no worker is held either)
            .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int)context.bodyTimeoutMillis())
            .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, IDLE_CONNECTION_MILLIS)
            // 100-continue is sent only when the body is first read: a request refused from its headers never sends it
            .setHandler(new HttpContinueReadHandler(root))
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
        events.close();
        server.stop();
    }

    /** A GET route, answering HEAD too (Undertow sends the headers and drops the body). */
    private void read(final RoutingHandler routes, final String path, final HttpPolicy.Access access, final Route route)
    {
        final HttpHandler handler = admitted(access, false, route);
        routes.get(path, handler);
        routes.add(Methods.HEAD, path, handler);
    }

    /** A POST route: it changes state. {@code json}: it takes a JSON body. */
    private void post(final RoutingHandler routes, final String path, final boolean json, final Route route)
    {
        routes.post(path, admitted(HttpPolicy.Access.WRITE, json, route));
    }

    /** On the I/O thread: admit from the headers, read the body, then run the route on a worker. */
    private HttpHandler admitted(final HttpPolicy.Access access, final boolean json, final Route route)
    {
        final HttpHandler onWorker = exchange -> run(exchange, route);
        return exchange ->
        {
            try
            {
                policy.admit(exchange, access, json);
            }
            catch (final ApiError e)
            {
                error(exchange, e.status(), e.field(), e.getMessage());
                return;
            }
            bodies.read(exchange, onWorker);
        };
    }

    /** Runs a route and maps what it throws to a status: the one place failures become HTTP answers. */
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
        catch (final InvalidRequest e)
        {
            error(exchange, 400, e.field(), e.getMessage());
        }
        catch (final ReplayLimitException e)
        {
            error(exchange, 429, null, e.getMessage());
        }
        catch (final BusUnavailableException e)
        {
            error(exchange, 503, "bus_url", e.getMessage());
        }
        catch (final Exception e)
        {
            LOG.error("{} {} failed", exchange.getRequestMethod(), exchange.getRequestPath(), e);
            error(exchange, 500, null, "internal error: " + e.getMessage());
        }
    }
}
