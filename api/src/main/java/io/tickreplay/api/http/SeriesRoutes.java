package io.tickreplay.api.http;

import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.export.ExportRequest;
import io.undertow.server.HttpServerExchange;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.JSON;
import static io.tickreplay.api.http.Exchanges.integer;
import static io.tickreplay.api.http.Exchanges.limit;
import static io.tickreplay.api.http.Exchanges.object;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The cockpit's chart routes: {@code GET /v1/signals} and {@code GET /v1/bars}, the latest rows of
 * a window (oldest first) read through {@link SeriesStore}. Runs on Undertow's worker threads; a
 * request costs one query of at most {@code limit} rows (100,000 at the most).
 */
record SeriesRoutes(SeriesStore series)
{
    private static final int MAX_ROWS = 100_000;

    /** {@code GET /v1/signals}. */
    void signals(final HttpServerExchange exchange) throws SQLException, IOException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "name", "start", "end", "replay_run_id", "limit"));
        final SeriesStore.Window window = window(q);
        final Long replayRunId = q.containsKey("replay_run_id") ? integer(q, "replay_run_id", 0, 1, Long.MAX_VALUE) : null;
        final int limit = limit(q, 1000, MAX_ROWS);
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final SeriesStore.SignalRow s : series.latestSignals(window, q.get("name"), replayRunId, limit))
        {
            rows.add(object("provider", s.provider(), "symbol", s.symbol(), "ts", s.ts().toString(), "name", s.name(), "value", s.value(),
                "score", s.score(), "metadata", s.metadata() == null ? null : JSON.readTree(s.metadata())));
        }
        send(exchange, 200, object("signals", rows, "count", rows.size(), "limit", limit));
    }

    /** {@code GET /v1/bars}. */
    void bars(final HttpServerExchange exchange) throws SQLException
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
            rows.add(object("provider", b.provider(), "symbol", b.symbol(), "interval", b.interval(), "ts", b.ts().toString(),
                "open", b.open(), "high", b.high(), "low", b.low(), "close", b.close(), "volume", b.volume(),
                "trade_count", b.tradeCount(), "vwap", b.vwap()));
        }
        send(exchange, 200, object("bars", rows, "count", rows.size(), "limit", limit));
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
}
