package io.tickreplay.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.runs.RunCatalog;
import io.tickreplay.engine.tick.Micros;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.sse.ServerSentEventConnection;
import io.undertow.server.handlers.sse.ServerSentEventHandler;
import io.undertow.util.AttachmentKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@code GET /v1/events}: the cockpit's one Server-Sent Events stream. A timer of its own, every
 * {@code periodMillis} (1 s), builds one snapshot while anyone listens (the newest replays with the live
 * progress of the active ones and the size of each, the newest exports: one read of {@code job_runs} for every client
 * together) and sends it, as {@code event: state}, to every connection when it changed. Each event
 * is the whole state, so nothing is lost between two: a client that reconnects (its browser sends
 * {@code Last-Event-ID}) gets the latest snapshot at once and is up to date.
 *
 * <p>A client that does not read is not allowed to grow the server's memory: a connection with more
 * than {@value #MAX_UNSENT} events not yet written to its socket is closed (its browser reconnects and
 * starts from the latest). Two snapshots are kept, for trusted callers and for anonymous ones
 * ({@link Disclosure}).
 */
final class EventStream implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EventStream.class);
    static final int MAX_UNSENT = 8;
    private static final int NEWEST = 50;
    private static final long KEEP_ALIVE_MILLIS = 15_000;
    private static final AttachmentKey<AtomicInteger> UNSENT = AttachmentKey.create(AtomicInteger.class);
    private static final AttachmentKey<Boolean> TRUSTED = AttachmentKey.create(Boolean.class);

    private final ReplayService replays;
    private final RunCatalog runs;
    private final ExportService exports;
    private final Function<JobRunStore.JobRun, Map<String, Object>> exportJson;
    private final Set<ServerSentEventConnection> connections = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer;
    private long seq;
    private String[] bases; // the last snapshots without seq and time, to tell a change
    private volatile String[] latest; // [trusted, anonymous] as sent, with latestSeq as their id
    private volatile long latestSeq;

    EventStream(final ReplayService replays, final RunCatalog runs, final ExportService exports,
        final Function<JobRunStore.JobRun, Map<String, Object>> exportJson, final long periodMillis)
    {
        this.replays = replays;
        this.runs = runs;
        this.exports = exports;
        this.exportJson = exportJson;
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "api-events");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** On the I/O thread, once the request is admitted: the connection stays open. */
    void handle(final HttpServerExchange exchange) throws Exception
    {
        final boolean trusted = HttpPolicy.trusted(exchange);
        new ServerSentEventHandler((connection, lastEventId) -> connected(connection, trusted)).handleRequest(exchange);
    }

    private void connected(final ServerSentEventConnection connection, final boolean trusted)
    {
        connection.putAttachment(UNSENT, new AtomicInteger());
        connection.putAttachment(TRUSTED, trusted);
        connection.addCloseTask(connections::remove);
        connections.add(connection);
        connection.setKeepAliveTime(KEEP_ALIVE_MILLIS);
        connection.sendRetry(2_000);
        final String[] snapshot = latest;
        if (snapshot != null)
        {
            send(connection, snapshot, latestSeq);
        }
        else
        {
            timer.execute(this::tick); // the first listener: a snapshot now, not in up to a second
        }
    }

    private void tick()
    {
        try
        {
            if (connections.isEmpty())
            {
                latest = null; // no one listens: no reads, and a newcomer gets a fresh snapshot
                bases = null;
                return;
            }
            final String[] base = {json(snapshot(true)), json(snapshot(false))};
            if (bases != null && bases[0].equals(base[0]) && bases[1].equals(base[1]))
            {
                return; // nothing changed: the keep-alive comments hold the connections open
            }
            bases = base;
            final long id = ++seq;
            final String head = "{\"seq\":" + id + ",\"at\":\"" + Instant.now() + "\",";
            final String[] snapshot = {head + base[0].substring(1), head + base[1].substring(1)};
            latestSeq = id;
            latest = snapshot;
            for (final ServerSentEventConnection connection : connections)
            {
                send(connection, snapshot, id);
            }
        }
        catch (final Exception e)
        {
            LOG.warn("event stream: snapshot failed: {}", e.getMessage());
        }
    }

    private static void send(final ServerSentEventConnection connection, final String[] snapshot, final long id)
    {
        final AtomicInteger unsent = connection.getAttachment(UNSENT);
        if (unsent == null)
        {
            return; // not yet through connected()
        }
        if (unsent.incrementAndGet() > MAX_UNSENT)
        {
            LOG.info("event stream: a client {} events behind is dropped (it reconnects to the latest)", MAX_UNSENT);
            try
            {
                connection.close();
            }
            catch (final IOException e)
            {
                LOG.debug("closing a stalled event stream: {}", e.getMessage());
            }
            return;
        }
        final String data = Boolean.TRUE.equals(connection.getAttachment(TRUSTED)) ? snapshot[0] : snapshot[1];
        connection.send(data, "state", String.valueOf(id), new ServerSentEventConnection.EventCallback()
        {
            @Override
            public void done(final ServerSentEventConnection c, final String d, final String e, final String i)
            {
                unsent.decrementAndGet();
            }

            @Override
            public void failed(final ServerSentEventConnection c, final String d, final String e, final String i, final IOException x)
            {
                unsent.decrementAndGet();
            }
        });
    }

    private Map<String, Object> snapshot(final boolean trusted) throws SQLException
    {
        final List<Map<String, Object>> replayed = new ArrayList<>();
        for (final Map<String, Object> json : runs.jobsWithSize(replays.jobs().list(ReplayService.JOB_NAME, null, null, NEWEST, 0)))
        {
            replays.active((Long)json.get("run_id")).filter(run -> !run.done().isDone()).ifPresent(run ->
            {
                json.put("status", run.status()); // the live state, ahead of the row's next progress write
                json.put("live", live(run));
            });
            replayed.add(Disclosure.job(trusted, json));
        }
        final List<Map<String, Object>> exported = new ArrayList<>();
        for (final JobRunStore.JobRun job : exports.jobs().list(ExportService.JOB_NAME, null, null, NEWEST, 0))
        {
            exported.add(Disclosure.job(trusted, exportJson.apply(job)));
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("replays", replayed);
        out.put("exports", exported);
        return out;
    }

    private static Map<String, Object> live(final ReplayRun run)
    {
        final Map<String, Object> live = new LinkedHashMap<>();
        live.put("emitted", run.progress().emitted());
        live.put("ticks_per_s", Math.round(run.ticksPerSecond()));
        live.put("lag_ms", Math.round(run.currentLagMillis() * 1000) / 1000.0);
        live.put("errors", run.progress().errors());
        final long last = run.progress().lastTsMicros();
        live.put("max_ts", last == Long.MIN_VALUE ? null : Micros.toInstant(last).toString());
        live.put("speed", run.control().speed());
        live.put("paused", run.control().paused());
        live.put("start", run.start().toString());
        live.put("end", run.end().toString());
        return live;
    }

    private String json(final Map<String, Object> snapshot) throws JsonProcessingException
    {
        return Exchanges.JSON.writeValueAsString(snapshot);
    }

    /** Clients connected now. */
    int connections()
    {
        return connections.size();
    }

    @Override
    public void close()
    {
        timer.shutdownNow();
        for (final ServerSentEventConnection connection : connections)
        {
            connection.shutdown();
        }
    }
}
