package io.tickreplay.api.http;

import io.tickreplay.adapters.postgres.ModelResults;
import io.tickreplay.adapters.postgres.ModelStore;
import io.tickreplay.adapters.postgres.ModelStore.Model;
import io.tickreplay.api.models.ModelJson;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.request.JsonBody;
import io.tickreplay.engine.tick.Micros;
import io.undertow.server.HttpServerExchange;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.object;
import static io.tickreplay.api.http.Exchanges.param;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * {@code /v1/models}: the model registry (docs/models.md). An ONNX model's {@code file} is a file name
 * under {@code replay.import-dir}, as the API's Parquet sources are (never a path elsewhere on the
 * server); the registry copies it under {@code models.dir}. Runs on Undertow's worker threads.
 */
record ModelRoutes(ModelRegistry models, Path importDir, ModelResults results)
{
    /** Points one read returns at most (per request; the first in time). */
    static final int MAX_POINTS = 50_000;

    /** {@code POST /v1/models}: 201 with the model; 400 naming the field, 409 when the name is taken. */
    void create(final HttpServerExchange exchange) throws Exception
    {
        final JsonBody body = Exchanges.body(exchange, Set.of("name", "type", "file", "features", "interval", "horizon", "lambda", "delta"));
        final String file = body.string("file");
        final Long horizon = body.integer("horizon");
        final ModelRegistry.Spec spec = new ModelRegistry.Spec(body.string("name"),
            body.has("type") ? body.string("type") : file != null ? ModelRegistry.ONNX : null,
            body.has("features") ? body.strings("features") : null, body.string("interval"),
            horizon == null ? null : (int)Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, horizon)), body.number("lambda"), body.number("delta"));
        final Model added;
        try
        {
            if (file == null)
            {
                added = models.add(spec);
            }
            else
            {
                final Path path = inImportDir(file);
                try (InputStream in = Files.newInputStream(path))
                {
                    added = models.add(spec, in, file);
                }
            }
        }
        catch (final ModelStore.DuplicateName e)
        {
            throw new ApiError(409, "name", e.getMessage());
        }
        send(exchange, 201, ModelJson.of(added));
    }

    private Path inImportDir(final String file)
    {
        final Path dir = importDir.toAbsolutePath().normalize();
        final Path given = Path.of(file);
        final Path resolved = dir.resolve(given).normalize();
        if (given.isAbsolute() || file.contains("..") || !resolved.startsWith(dir))
        {
            throw new InvalidRequest("file", "file must be a file name under replay.import-dir (" + dir + "), was " + file);
        }
        if (!Files.isRegularFile(resolved))
        {
            throw new InvalidRequest("file", "no file " + file + " under replay.import-dir (" + dir + ")");
        }
        return resolved;
    }

    /** {@code GET /v1/models}. */
    void list(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        send(exchange, 200, object("models", models.list().stream().map(ModelJson::of).toList()));
    }

    /** {@code GET /v1/models/{name}}. */
    void get(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final String name = param(exchange, "name");
        send(exchange, 200, ModelJson.of(models.find(name).orElseThrow(() -> ApiError.notFound("name", "no model named '" + name + "'"))));
    }

    /**
     * {@code GET /v1/models/{name}/scores?run_id=N[&symbol=S]}: the run's rolling scores of the model per
     * symbol, {@code {"model", "run_id", "series": [{"symbol", "ts": [...], "ic": [...], "hit_rate": [...], "mse": [...], "count": [...]}]}}
     * (ts in ISO-8601, a null score null).
     */
    void scores(final HttpServerExchange exchange) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("run_id", "symbol"));
        final Model model = model(exchange);
        final long runId = Exchanges.integer(q, "run_id", -1, 0, Long.MAX_VALUE);
        if (runId < 0)
        {
            throw ApiError.badRequest("run_id", "run_id (the replay run, 0 for live) is required");
        }
        final List<Map<String, Object>> series = new ArrayList<>();
        for (final ModelResults.Scores s : results.scores(model.name(), runId, q.get("symbol"), MAX_POINTS))
        {
            final Map<String, Object> one = new LinkedHashMap<>();
            one.put("symbol", s.symbol());
            one.put("ts", s.ts().stream().map(t -> Micros.toInstant(t).toString()).toList());
            one.putAll(s.metrics());
            series.add(one);
        }
        send(exchange, 200, object("model", model.name(), "run_id", runId, "series", series));
    }

    /**
     * {@code GET /v1/models/{name}/predictions?run_id=N&symbol=S}: each prediction beside the log return
     * that came true over the model's horizon (from the run's bars), {@code {"points": [[ts, prediction, realized], ...]}}.
     */
    void predictions(final HttpServerExchange exchange) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("run_id", "symbol"));
        final Model model = model(exchange);
        final long runId = Exchanges.integer(q, "run_id", -1, 0, Long.MAX_VALUE);
        if (runId < 0)
        {
            throw ApiError.badRequest("run_id", "run_id (the replay run, 0 for live) is required");
        }
        final String symbol = q.get("symbol");
        if (symbol == null || symbol.isBlank())
        {
            throw ApiError.badRequest("symbol", "symbol is required");
        }
        final List<Object> points = new ArrayList<>();
        for (final double[] p : results.predictions(model.name(), runId, symbol, model.interval(), model.horizon(), MAX_POINTS))
        {
            points.add(List.of(Micros.toInstant((long)p[0]).toString(), p[1], p[2]));
        }
        send(exchange, 200, object("model", model.name(), "run_id", runId, "symbol", symbol, "horizon", model.horizon(), "points", points));
    }

    private Model model(final HttpServerExchange exchange) throws SQLException
    {
        final String name = param(exchange, "name");
        return models.find(name).orElseThrow(() -> ApiError.notFound("name", "no model named '" + name + "'"));
    }

    /** {@code DELETE /v1/models/{name}}: 204; the rows runs wrote with it stay. */
    void delete(final HttpServerExchange exchange) throws Exception
    {
        final String name = param(exchange, "name");
        if (!models.remove(name))
        {
            throw ApiError.notFound("name", "no model named '" + name + "'");
        }
        exchange.setStatusCode(204);
        exchange.endExchange();
    }
}
