package io.tickreplay.api.http;

import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.runs.RunCatalog;
import io.tickreplay.api.runs.RunDiff;
import io.undertow.server.HttpServerExchange;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.id;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The routes over runs (docs/runs.md): {@code GET /v1/runs}, the runs with what each holds;
 * {@code DELETE /v1/replay/ticks/{run_id}}, a run and everything it wrote; {@code GET /v1/runs/diff},
 * two replay runs compared. Run on Undertow's worker threads: a deletion drops the run's partition and
 * unlinks its journal there (a few statements); a diff holds one read connection while the database
 * compares the runs' rows.
 */
record RunRoutes(RunCatalog runs, RunDiff diff)
{
    /** {@code GET /v1/runs}: newest first, paged as {@code GET /v1/replay/ticks}. */
    void list(final HttpServerExchange exchange) throws SQLException
    {
        Exchanges.sendJobs(exchange, runs.jobs(), ReplayService.JOB_NAME, "runs", page -> runs.runs(page).stream().map(RunCatalog.Run::json).toList());
    }

    /** {@code DELETE /v1/replay/ticks/{run_id}}: 200 with what it freed; 404 when there is no such run; 409 while it runs or is paused. */
    void delete(final HttpServerExchange exchange) throws SQLException, IOException
    {
        query(exchange, Set.of());
        final long runId = id(exchange, "run_id");
        final RunCatalog.Deleted deleted;
        try
        {
            deleted = runs.delete(runId);
        }
        catch (final RunCatalog.NotFound e)
        {
            throw ApiError.notFound("run_id", e.getMessage());
        }
        catch (final RunCatalog.Refused e)
        {
            throw new ApiError(409, "run_id", e.getMessage());
        }
        send(exchange, 200, deleted.json());
    }

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
