package io.tickreplay.api.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.ReplayLimitException;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayService;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import io.undertow.server.handlers.BlockingHandler;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;

import static io.tickreplay.api.http.Exchanges.error;

/**
 * The control API on Undertow: the seed's replay routes with its exact request and response fields,
 * live control of a run, signals and bars for the cockpit, exports, health, Prometheus metrics and
 * the OpenAPI document ({@code /openapi.json}, docs/api.md). This class is the route table and what
 * wraps every route (the token guard, the mapping of failures to statuses); the routes live by group
 * in {@link ReplayRoutes}, {@link ExportRoutes}, {@link SeriesRoutes} and {@link OperationRoutes}.
 *
 * <p>Every handler runs on a worker thread ({@link BlockingHandler}), never on an I/O thread. A bad
 * request gets a 4xx with {@code {"error": ..., "field": ...}} and starts nothing; bodies are
 * capped; unknown fields are refused. With a token configured, every route that changes state
 * (every POST) needs {@code Authorization: Bearer <token>}.
 */
public final class ApiServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    /** Where and how to serve. {@code token} empty: no guard. */
    public record Config(String bind, int port, String token, int maxBodyBytes, Path exportDir)
    {
    }

    @FunctionalInterface
    private interface Route
    {
        void handle(HttpServerExchange exchange) throws Exception;
    }

    private final byte[] token;
    private final Undertow server;

    public ApiServer(final Config config, final Database db, final ReplayService replays, final ExportService exports,
        final PrometheusMeterRegistry metrics)
    {
        this.token = config.token() == null || config.token().isEmpty() ? null : config.token().getBytes(StandardCharsets.UTF_8);
        final ReplayRoutes replay = new ReplayRoutes(replays, config.maxBodyBytes());
        final ExportRoutes export = new ExportRoutes(exports, config.exportDir(), config.maxBodyBytes());
        final SeriesRoutes series = new SeriesRoutes(new SeriesStore(db.reads()));
        final OperationRoutes operations = new OperationRoutes(db, replays, metrics);
        final RoutingHandler routes = Handlers.routing()
            .post("/v1/replay/ticks", guarded(replay::start))
            .get("/v1/replay/ticks", open(replay::list))
            .get("/v1/replay/ticks/{run_id}", open(replay::get))
            .post("/v1/replay/ticks/{run_id}/pause", guarded(e -> replay.control(e, "pause")))
            .post("/v1/replay/ticks/{run_id}/resume", guarded(e -> replay.control(e, "resume")))
            .post("/v1/replay/ticks/{run_id}/cancel", guarded(e -> replay.control(e, "cancel")))
            .post("/v1/replay/ticks/{run_id}/speed", guarded(e -> replay.control(e, "speed")))
            .post("/v1/replay/ticks/{run_id}/seek", guarded(e -> replay.control(e, "seek")))
            .get("/v1/signals", open(series::signals))
            .get("/v1/bars", open(series::bars))
            .post("/v1/exports", guarded(export::start))
            .get("/v1/exports", open(export::list))
            .get("/v1/exports/{id}", open(export::get))
            .get("/v1/exports/{id}/download", open(export::download))
            .get("/health", open(operations::health))
            .get("/metrics", open(operations::metrics))
            .get("/openapi.json", open(operations::openApi))
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
                // constant time: the comparison must not tell an attacker how much of a guess was right
                if (given == null || !MessageDigest.isEqual(given, token))
                {
                    e.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                    throw new ApiError(401, "Authorization", "this route changes state: it needs the header Authorization: Bearer <api.token>");
                }
            }
            route.handle(e);
        }));
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
        catch (final ReplayRequest.InvalidField e)
        {
            error(exchange, 400, e.field(), e.getMessage());
        }
        catch (final ReplayLimitException e)
        {
            error(exchange, 429, null, e.getMessage());
        }
        catch (final io.tickreplay.adapters.bus.BusUnavailableException e)
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
