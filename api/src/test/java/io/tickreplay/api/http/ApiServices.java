package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.synth.SyntheticSession;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * What the API's integration tests serve from: a schema of their own holding a synthetic session on
 * the embedded PostgreSQL, the in-process bus, a Prometheus registry, the replay and export
 * services; closed in reverse order. Also how they call it: {@link #call}, as HttpClient sends.
 */
final class ApiServices implements AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    final Database db;
    final InProcessBus bus;
    final PrometheusMeterRegistry registry;
    final ReplayService replays;
    final ExportService exports;

    ApiServices(final String schema, final SyntheticSession.Context session, final ReplayService.Context replay) throws Exception
    {
        db = PostgresTestSupport.freshSchema(schema);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(session), session, f -> { });
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        replays = new ReplayService(db, bus, registry, replay);
        exports = new ExportService(db, 2);
    }

    /** A server on these services, not started. */
    ApiServer server(final ApiServer.Context context)
    {
        return new ApiServer(context, db, replays, exports, registry);
    }

    long jobCount() throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM job_runs"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close()
    {
        replays.close();
        exports.close();
        bus.close();
        db.close();
    }

    /** An answer: its status, its JSON when it is JSON, its text and headers. */
    record Reply(int status, JsonNode json, String text, HttpHeaders headers)
    {
    }

    static HttpResponse<String> send(final String method, final String url, final String body, final String... headers) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2)
        {
            request.setHeader(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@code method url} with {@code body} as JSON (null: none) and these header names and values. */
    static Reply call(final String method, final String url, final String body, final String... headers) throws Exception
    {
        final HttpResponse<String> response = send(method, url, body, headers);
        JsonNode json = null;
        if (response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"))
        {
            json = JSON.readTree(response.body());
        }
        return new Reply(response.statusCode(), json, response.body(), response.headers());
    }
}
