package io.tickreplay.api.http;

import io.tickreplay.api.request.JsonBody;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.api.schedule.ScheduleService;
import io.undertow.server.HttpServerExchange;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tickreplay.api.http.Exchanges.id;
import static io.tickreplay.api.http.Exchanges.object;
import static io.tickreplay.api.http.Exchanges.query;
import static io.tickreplay.api.http.Exchanges.send;

/**
 * {@code /v1/schedules}: create, list, read and remove scheduled replays (docs/schedules.md). A definition
 * is checked whole before it is stored: a bad cron, zone, window or replay field is a 400 naming it. Runs on
 * Undertow's worker threads; the scheduler that fires them runs in {@code serve} beside the server.
 */
record ScheduleRoutes(ScheduleService schedules)
{
    /** {@code POST /v1/schedules}: 201 with the schedule, its {@code next_fire_at} included. */
    void create(final HttpServerExchange exchange) throws Exception
    {
        final JsonBody checked = Exchanges.body(exchange, Set.of("name", "cron", "zone", "misfire", "window", "replay"));
        final JobScheduleStore.Schedule created;
        try
        {
            created = schedules.create(checked.node());
        }
        catch (final JobScheduleStore.DuplicateName e)
        {
            throw new ApiError(409, "name", e.getMessage());
        }
        send(exchange, 201, ScheduleService.json(created));
    }

    /** {@code GET /v1/schedules}. */
    void list(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final List<Map<String, Object>> items = new ArrayList<>();
        for (final JobScheduleStore.Schedule s : schedules.list())
        {
            items.add(ScheduleService.json(s));
        }
        send(exchange, 200, object("schedules", items));
    }

    /** {@code GET /v1/schedules/{id}}. */
    void get(final HttpServerExchange exchange) throws SQLException
    {
        query(exchange, Set.of());
        final long id = id(exchange, "id");
        send(exchange, 200, ScheduleService.json(schedules.find(id).orElseThrow(() -> ApiError.notFound("id", "no schedule " + id))));
    }

    /** {@code DELETE /v1/schedules/{id}}: 204; a run it started goes on. */
    void delete(final HttpServerExchange exchange) throws SQLException
    {
        final long id = id(exchange, "id");
        if (!schedules.delete(id))
        {
            throw ApiError.notFound("id", "no schedule " + id);
        }
        exchange.setStatusCode(204);
        exchange.endExchange();
    }
}
