package io.tickreplay.api.http;

import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.runs.RunCatalog;
import io.undertow.server.HttpServerExchange;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.id;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * Retention (docs/runs.md): {@code GET /v1/runs}, the runs with what each holds, and
 * {@code DELETE /v1/replay/ticks/{run_id}}, a run and everything it wrote. Runs on Undertow's worker
 * threads; a deletion drops the run's partition and unlinks its journal there (a few statements).
 */
record RunRoutes(RunCatalog runs)
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
}
