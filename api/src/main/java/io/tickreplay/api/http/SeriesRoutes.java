package io.tickreplay.api.http;

import io.tickreplay.api.request.JsonBody;
import com.fasterxml.jackson.core.JsonGenerator;
import io.tickreplay.adapters.postgres.SeriesStore;
import io.tickreplay.api.export.ExportRequest;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.JSON;
import static io.tickreplay.api.http.Exchanges.integer;
import static io.tickreplay.api.http.Exchanges.limit;
import static io.tickreplay.api.http.Exchanges.query;

/**
 * The cockpit's chart routes: {@code GET /v1/signals} and {@code GET /v1/bars}, the latest rows of
 * a window (oldest first) read through {@link SeriesStore} on the API's own read pool. Runs on Undertow's
 * worker threads; a request costs one query of at most {@code limit} rows (100,000 at the most), streamed
 * into the response as they are read, so twenty requests of 100,000 rows hold no more than twenty cursors.
 */
record SeriesRoutes(SeriesStore series)
{
    private static final int MAX_ROWS = 100_000;

    /** {@code GET /v1/signals}. */
    void signals(final HttpServerExchange exchange) throws SQLException, IOException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "name", "start", "end", "replay_run_id", "live", "limit"));
        final SeriesStore.Window window = window(q);
        final Long replayRunId = run(q);
        final int limit = limit(q, 1000, MAX_ROWS);
        try (Stream out = new Stream(exchange, "signals"))
        {
            final long count = series.latestSignals(window, q.get("name"), replayRunId, limit, out.rows((json, s) ->
            {
                json.writeStartObject();
                json.writeStringField("provider", s.provider());
                json.writeStringField("symbol", s.symbol());
                json.writeStringField("ts", s.ts().toString());
                json.writeStringField("name", s.name());
                json.writeNumberField("value", s.value());
                nullable(json, "score", s.score());
                json.writeFieldName("metadata");
                if (s.metadata() == null)
                {
                    json.writeNull();
                }
                else
                {
                    json.writeRawValue(s.metadata()); // the database's own JSONB text: valid JSON as it is
                }
                json.writeEndObject();
            }));
            out.end(count, limit);
        }
    }

    /**
     * Whose rows a series read takes (docs/runs.md): {@code replay_run_id=N} one run's, {@code live=true}
     * the live pipeline's (run 0), neither every run's. Null: any.
     */
    static Long run(final Map<String, String> q)
    {
        final Long replayRunId = q.containsKey("replay_run_id") ? integer(q, "replay_run_id", 0, 1, Long.MAX_VALUE) : null;
        final String live = q.getOrDefault("live", "false");
        if (!live.equals("true") && !live.equals("false"))
        {
            throw ApiError.badRequest("live", "live must be true or false");
        }
        if (replayRunId != null && live.equals("true"))
        {
            throw ApiError.badRequest("live", "live=true and replay_run_id exclude each other");
        }
        return live.equals("true") ? Long.valueOf(0) : replayRunId;
    }

    /** {@code GET /v1/bars}. */
    void bars(final HttpServerExchange exchange) throws SQLException, IOException
    {
        final Map<String, String> q = query(exchange, Set.of("provider", "symbol", "interval", "start", "end", "replay_run_id", "live", "limit"));
        final SeriesStore.Window window = window(q);
        final String interval = q.getOrDefault("interval", "1m");
        if (!ExportRequest.INTERVALS.contains(interval))
        {
            throw ApiError.badRequest("interval", "interval must be 1m, 5m or 1h, was '" + interval + "'");
        }
        final int limit = limit(q, 1000, MAX_ROWS);
        try (Stream out = new Stream(exchange, "bars"))
        {
            final long count = series.latestBars(window, interval, run(q), limit, out.rows((json, b) ->
            {
                json.writeStartObject();
                json.writeStringField("provider", b.provider());
                json.writeStringField("symbol", b.symbol());
                json.writeStringField("interval", b.interval());
                json.writeStringField("ts", b.ts().toString());
                json.writeNumberField("open", b.open());
                json.writeNumberField("high", b.high());
                json.writeNumberField("low", b.low());
                json.writeNumberField("close", b.close());
                json.writeNumberField("volume", b.volume());
                json.writeNumberField("trade_count", b.tradeCount());
                nullable(json, "vwap", b.vwap());
                json.writeEndObject();
            }));
            out.end(count, limit);
        }
    }

    @FunctionalInterface
    private interface RowWriter<T>
    {
        void write(JsonGenerator json, T row) throws IOException;
    }

    /**
     * A 200 whose body is written while the rows are read: {@code {"<array>": [ ... ], "count": n, "limit": l}}
     * in constant memory whatever the limit. Nothing is sent before the query runs, so a database that is
     * down or a pool that stays busy still gets its error status; everything a request can get wrong is
     * checked before this.
     */
    private static final class Stream implements AutoCloseable
    {
        private final HttpServerExchange exchange;
        private final String array;
        private JsonGenerator json;

        Stream(final HttpServerExchange exchange, final String array)
        {
            this.exchange = exchange;
            this.array = array;
        }

        <T> SeriesStore.RowSink<T> rows(final RowWriter<T> writer)
        {
            return new SeriesStore.RowSink<>()
            {
                @Override
                public void begin() throws IOException
                {
                    exchange.setStatusCode(200);
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, Exchanges.JSON_TYPE);
                    exchange.startBlocking();
                    json = JSON.getFactory().createGenerator(exchange.getOutputStream());
                    json.writeStartObject();
                    json.writeArrayFieldStart(array);
                }

                @Override
                public void accept(final T row) throws IOException
                {
                    writer.write(json, row);
                }
            };
        }

        void end(final long count, final int limit) throws IOException
        {
            json.writeEndArray();
            json.writeNumberField("count", count);
            json.writeNumberField("limit", limit);
            json.writeEndObject();
        }

        @Override
        public void close() throws IOException
        {
            if (json != null)
            {
                json.close();
            }
        }
    }

    private static void nullable(final JsonGenerator json, final String field, final Double value) throws IOException
    {
        if (value == null)
        {
            json.writeNullField(field);
        }
        else
        {
            json.writeNumberField(field, value);
        }
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
