package io.tickreplay.api.http;

import io.tickreplay.api.runs.RunDiff;
import io.undertow.server.HttpServerExchange;

import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The routes over runs side by side, {@code /v1/runs/...}: the diff of two replay runs (docs/runs.md,
 * "Manifest and diff"). Runs on Undertow's worker threads; a diff holds one read connection while the
 * database compares the runs' rows.
 */
record RunRoutes(RunDiff diff)
{
    /** {@code GET /v1/runs/diff?a=&b=[&tolerance=]}: 404 naming {@code a} or {@code b} for an unknown run, 409 for one with nothing to compare. */
    void diff(final HttpServerExchange exchange) throws Exception
    {
        final Map<String, String> q = query(exchange, Set.of("a", "b", "tolerance"));
        final long a = run(q, "a");
        final long b = run(q, "b");
        final double tolerance = tolerance(q.get("tolerance"));
        final RunDiff.Result result;
        try
        {
            result = diff.diff(a, b, tolerance);
        }
        catch (final RunDiff.NotComparable e)
        {
            throw e.unknown() ? ApiError.notFound(e.field(), e.getMessage()) : new ApiError(409, e.field(), e.getMessage());
        }
        send(exchange, 200, result.toJson());
    }

    private static long run(final Map<String, String> q, final String name)
    {
        final String v = q.get(name);
        if (v == null)
        {
            throw ApiError.badRequest(name, name + " (a replay run id) is required");
        }
        return Exchanges.integer(q, name, 0, 1, Long.MAX_VALUE);
    }

    private static double tolerance(final String v)
    {
        if (v == null)
        {
            return RunDiff.DEFAULT_TOLERANCE;
        }
        try
        {
            final double t = Double.parseDouble(v);
            if (t >= 0 && !Double.isInfinite(t))
            {
                return t;
            }
        }
        catch (final NumberFormatException e)
        {
            // said below
        }
        throw ApiError.badRequest("tolerance", "tolerance must be a finite number >= 0 (relative), was '" + v + "'");
    }
}
