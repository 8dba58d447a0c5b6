package io.tickreplay.api.http;

import io.tickreplay.api.request.JsonBody;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.api.replay.ReplayBodyParser;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.RunManifest;
import io.tickreplay.api.runs.RunCatalog;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.tick.Micros;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static io.tickreplay.api.http.Exchanges.body;
import static io.tickreplay.api.http.Exchanges.id;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * The seed's replay routes, {@code /v1/replay/ticks...}: start a run (from the database or from an
 * earlier run's journal), read one, list them (with their sizes), and control a live one (pause,
 * resume, cancel, speed, seek); deleting one is {@link RunRoutes}' part. Runs on Undertow's worker
 * threads; a cancel waits there (up to 10 s) for the run's final row. Resume continues a paused run,
 * or a failed, cancelled or killed one from its last checkpoint.
 */
record ReplayRoutes(ReplayService replays, RunCatalog runs)
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplayRoutes.class);
    /** {@code POST /v1/replay/ticks}. */
    void start(final HttpServerExchange exchange) throws Exception
    {
        final ReplayRequest request = ReplayBodyParser.parse(body(exchange, ReplayBodyParser.FIELDS), replays.config().importDir());
        ReplayRun run;
        try
        {
            run = replays.start(request);
        }
        catch (final ReplayRequest.InvalidField e)
        {
            throw ApiError.badRequest(e.field().equals("from_journal") ? "journal_run_id" : e.field(), e.getMessage());
        }
        send(exchange, 200, Disclosure.job(exchange, JobJson.of(replays.jobs().find(run.runId()).orElseThrow())));
    }

    /** {@code GET /v1/replay/ticks/{run_id}}. */
    void get(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final long runId = id(exchange, "run_id");
        final Map<String, Object> body = JobJson.of(job(runId));
        // a run this process runs: its live state, ahead of the row's next progress write (as the control routes answer)
        replays.active(runId).filter(run -> !run.done().isDone()).ifPresent(run -> body.put("status", run.status()));
        send(exchange, 200, Disclosure.job(exchange, body));
    }

    /**
     * {@code GET /v1/replay/ticks/{run_id}/manifest}: what the run's output is a function of (docs/runs.md); 404 for an
     * unknown run, and for one that ran before runs kept a manifest.
     */
    void manifest(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final long runId = id(exchange, "run_id");
        if (!(job(runId).metadata().get("manifest") instanceof Map<?, ?> manifest))
        {
            throw ApiError.notFound("run_id", "replay run " + runId + " has no manifest (it ran before runs kept one)");
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> stored = (Map<String, Object>)manifest;
        send(exchange, 200, RunManifest.of(stored).toMap());
    }

    /** {@code GET /v1/replay/ticks}: each job with its {@code size} (cheap: no scan, {@link RunCatalog}). */
    void list(final HttpServerExchange exchange) throws SQLException
    {
        Exchanges.sendJobs(exchange, replays.jobs(), ReplayService.JOB_NAME, "runs", runs::jobsWithSize);
    }

    /** {@code POST /v1/replay/ticks/{run_id}/<action>}: pause, resume, cancel, speed or seek. */
    void control(final HttpServerExchange exchange, final String action) throws Exception
    {
        final long runId = id(exchange, "run_id");
        final JsonBody b = switch (action)
        {
            case "speed" -> body(exchange, Set.of("speed"));
            case "seek" -> body(exchange, Set.of("to"));
            default -> null;
        };
        final JobRunStore.JobRun job = job(runId);
        if (action.equals("resume") && replays.active(runId).isEmpty())
        {
            resumeFromCheckpoint(exchange, runId);
            return;
        }
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
                    run.done().get(10, TimeUnit.SECONDS); // answer with the final row, not a run still winding down
                }
                catch (final TimeoutException | ExecutionException e)
                {
                    LOG.warn("replay {} did not end within 10 s of its cancel", runId);
                }
            }
            case "speed" ->
            {
                final Double speed = b.number("speed");
                final String problem = speed == null ? "speed is required" : ReplayControl.speedProblem(speed);
                if (problem != null)
                {
                    throw ApiError.badRequest("speed", problem);
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
        send(exchange, 200, Disclosure.job(exchange, body));
    }

    /**
     * Resume of a run this process does not run (failed, cancelled, or killed while running): it goes on
     * from its last checkpoint under its id; the answer is its job, {@code running}. 409 naming
     * {@code run_id} when it completed or has no checkpoint.
     */
    private void resumeFromCheckpoint(final HttpServerExchange exchange, final long runId) throws Exception
    {
        final ReplayRun run;
        try
        {
            run = replays.resume(runId, null);
        }
        catch (final ReplayService.ResumeRefused e)
        {
            throw new ApiError(409, "run_id", e.getMessage());
        }
        final Map<String, Object> body = JobJson.of(replays.jobs().find(runId).orElseThrow());
        if (!run.done().isDone())
        {
            body.put("status", run.status());
        }
        send(exchange, 200, body);
    }

    private JobRunStore.JobRun job(final long runId) throws SQLException
    {
        return replays.jobs().find(runId).filter(j -> j.jobName().equals(ReplayService.JOB_NAME))
            .orElseThrow(() -> ApiError.notFound("run_id", "no replay run " + runId));
    }
}
