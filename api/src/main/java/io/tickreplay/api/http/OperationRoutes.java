package io.tickreplay.api.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.DatabaseHealth;
import io.tickreplay.api.replay.ReplayService;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

import static io.tickreplay.api.http.Exchanges.object;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The routes for whoever runs the server: {@code GET /health} (the database answers, how many
 * replays are active), {@code GET /metrics} (Prometheus) and {@code GET /openapi.json} (the API's
 * document, from the jar). Runs on Undertow's worker threads.
 */
record OperationRoutes(Database db, ReplayService replays, PrometheusMeterRegistry registry)
{
    /**
     * {@code GET /health}: 200 when the database answers, 503 with the reason when not. It reads the
     * last answer of {@link io.tickreplay.adapters.postgres.DatabaseHealth}'s probe and never waits on
     * the database, so it answers at once during an outage too.
     */
    void health(final HttpServerExchange exchange)
    {
        final DatabaseHealth.State state = db.health().state();
        if (state.up())
        {
            send(exchange, 200, object("status", "ok", "database", "ok", "active_replays", replays.activeRuns().size()));
        }
        else
        {
            // the probe's reason may name the database's host: for trusted callers only
            send(exchange, 503, object("status", "unavailable", "database", HttpPolicy.trusted(exchange) ? state.describe() : "unavailable",
                "active_replays", replays.activeRuns().size()));
        }
    }

    /** {@code GET /metrics}. */
    void metrics(final HttpServerExchange exchange)
    {
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
        exchange.getResponseSender().send(registry.scrape());
    }

    /** {@code GET /openapi.json}. */
    void openApi(final HttpServerExchange exchange) throws IOException
    {
        try (InputStream in = OperationRoutes.class.getResourceAsStream("/openapi.json"))
        {
            if (in == null)
            {
                throw new IllegalStateException("openapi.json is missing from the jar");
            }
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, Exchanges.JSON_TYPE);
            exchange.getResponseSender().send(ByteBuffer.wrap(in.readAllBytes()));
        }
    }
}
