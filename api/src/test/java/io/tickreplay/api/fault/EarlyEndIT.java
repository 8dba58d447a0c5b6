package io.tickreplay.api.fault;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.http.ApiServer;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import com.lmax.disruptor.SleepingWaitStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every way a replay can end early leaves only what it emitted whole (docs/signals.md, "No partial
 * bars"): no bar and no bar signal over time the run did not emit, no signal row after its last
 * emitted tick, every stored row equal to the row a run that never stopped writes. Each run is paced
 * and long enough that bars were committed before it ends, and its window fits in the ticks ring, so
 * that the source has read all of it (and put its end into the ring) long before the run is stopped:
 * the path on which a Ctrl-C once wrote the open bars as if they were whole.
 */
class EarlyEndIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant START = Instant.parse("2025-11-03T14:30:00Z");
    private static final Instant END = Instant.parse("2025-11-03T16:30:00Z");
    /** Two hours in about 12 s. */
    private static final double SPEED = 600;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    private static Database db;
    private static InProcessBus bus;
    private static ReplayService service;
    private static ExportService exports;
    private static ApiServer api;
    private static String base;
    private static Map<String, String> referenceBars;
    private static Map<String, Double> referenceSignals;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("early_end");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(2).seed(19);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
        // no recovery after an outage: the lost database's run is to be seen failed, with what it left
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        service = new ReplayService(db, bus, registry, new ReplayService.Context().journalDir(dir.resolve("journal"))
            .ticksRingSize(1 << 16).progressIntervalMillis(100).metricsRetentionMinutes(0).checkpointInterval(Duration.ofMillis(500))
            .outageGrace(Duration.ZERO));
        exports = new ExportService(db, 1);
        api = new ApiServer(new ApiServer.Context().port(0).maxBodyBytes(16384).exportDir(dir.resolve("exports")), db, service, exports, registry);
        base = "http://127.0.0.1:" + api.start();

        final ReplayRun whole = service.start(request(0));
        assertThat(whole.done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(count("SELECT count(*) FROM tick_data WHERE ts >= '" + START + "' AND ts < '" + END + "'"))
            .as("the window fits in the ticks ring, so its source is done long before the run is stopped").isBetween(10_000L, 60_000L);
        referenceBars = bars();
        referenceSignals = signals();
        assertThat(referenceBars.keySet()).anyMatch(k -> k.contains(" 1h "));
    }

    @AfterAll
    static void stop()
    {
        api.close();
        service.close();
        exports.close();
        bus.close();
        db.close();
    }

    @BeforeEach
    void clear() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("TRUNCATE signal_rows");
            s.execute("DELETE FROM bars_ohlcv");
        }
    }

    private static ReplayRequest request(final double speed)
    {
        return ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, speed).withSignals(List.of("all"));
    }

    @Test
    void aCancelThroughTheApi() throws Exception
    {
        final ReplayRun run = service.start(request(SPEED));
        awaitCommittedBars(run.runId());
        final HttpResponse<String> cancel = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/replay/ticks/" + run.runId() + "/cancel"))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
        assertOnlyWholeRows(run.runId(), "cancelled");
    }

    @Test
    void ctrlCOnTheReplayCommand() throws Exception
    {
        final Process replay = replayCommand("ctrl-c");
        try
        {
            final long runId = awaitRunOf(replay);
            awaitCommittedBars(runId);
            kill(replay, "INT");
            assertThat(replay.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(replay.exitValue()).isEqualTo(1);
            assertOnlyWholeRows(runId, "cancelled");
        }
        finally
        {
            replay.destroyForcibly();
        }
    }

    @Test
    void sigtermToServe() throws Exception
    {
        final Path log = dir.resolve("serve.log");
        final ProcessBuilder command = new ProcessBuilder(ChildJvm.command("384m", "serve", "--db-url", PostgresTestSupport.url(db), "--port", "0"))
            .redirectErrorStream(true).redirectOutput(log.toFile());
        command.environment().put("TICKREPLAY_JOURNAL_DIR", dir.resolve("serve-journal").toString());
        final Process serve = command.start();
        try
        {
            await().atMost(Duration.ofSeconds(120)).until(() -> !serve.isAlive() || Files.readString(log).contains("Ctrl-C to stop"));
            assertThat(serve.isAlive()).as(Files.readString(log)).isTrue();
            final Matcher url = Pattern.compile("API: (http://\\S+)").matcher(Files.readString(log));
            assertThat(url.find()).isTrue();
            final HttpResponse<String> started = HTTP.send(HttpRequest.newBuilder(URI.create(url.group(1) + "/v1/replay/ticks"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(Map.of(
                    "provider", "ibkr", "symbols", SYMBOLS, "start", START.toString(), "end", END.toString(), "speed", SPEED)))).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            final long runId = JSON.readTree(started.body()).get("run_id").asLong();
            awaitCommittedBars(runId);
            kill(serve, "TERM");
            assertThat(serve.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertOnlyWholeRows(runId, "cancelled");
        }
        finally
        {
            serve.destroyForcibly();
        }
    }

    @Test
    void aStageThatFails() throws Exception
    {
        // a real failure in the signals writer: the server refuses its rows past a point in the window
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("CREATE FUNCTION refuse_late() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
                "IF NEW.ts >= '2025-11-03T15:10:00Z' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$");
            s.execute("CREATE TRIGGER refuse_late BEFORE INSERT ON signal_rows FOR EACH ROW EXECUTE FUNCTION refuse_late()");
        }
        try
        {
            final ReplayRun run = service.start(request(SPEED));
            assertThat(run.done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.FAILED);
            assertThat(run.done().get().errorMessage()).contains("refused by a test trigger");
            assertOnlyWholeRows(run.runId(), "failed");
            // the run's error handler counted it, by stage and kind: in the job and in /metrics
            assertThat(job(run.runId()).path("metadata").path("errors").fieldNames()).toIterable()
                .anyMatch(k -> k.matches("signals-[0-9]+/PSQLException"));
            final HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).containsPattern("tickreplay_stage_errors_total\\{kind=\"PSQLException\",stage=\"signals\"} [1-9]");
        }
        finally
        {
            try (Connection c = db.connection(); Statement s = c.createStatement())
            {
                s.execute("DROP TRIGGER refuse_late ON signal_rows");
                s.execute("DROP FUNCTION refuse_late()");
            }
        }
    }

    @Test
    void aLostDatabase() throws Exception
    {
        final ReplayRun run = service.start(request(SPEED));
        awaitCommittedBars(run.runId());
        // every connection of this JVM's pools but this one is cut by the server, as a restart or a network loss cuts them
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() " +
                "AND application_name LIKE 'tickreplay%'");
        }
        final ReplayOutcome outcome = run.done().get(120, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        assertOnlyWholeRows(run.runId(), "failed");
    }

    @Test
    void kill9ThenResume() throws Exception
    {
        final Process replay = replayCommand("kill-9");
        final long runId;
        try
        {
            runId = awaitRunOf(replay);
            awaitCommittedBars(runId);
            await().atMost(Duration.ofSeconds(60)).until(() -> count("SELECT count(*) FROM replay_checkpoints WHERE run_id = " + runId) > 0);
            kill(replay, "KILL");
            assertThat(replay.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        finally
        {
            replay.destroyForcibly();
        }
        assertThat(status(runId)).as("killed: its row still says running").isEqualTo("running");
        assertRowsAreWhole(Long.MAX_VALUE);
        final ReplayRun resumed = service.resume(runId, 0.0);
        assertThat(resumed.done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(bars()).isEqualTo(referenceBars);
        assertThat(signals()).isEqualTo(referenceSignals);
    }

    /** A {@code replay} command in a JVM of its own, paced, with every signal into the tables. */
    private static Process replayCommand(final String name) throws Exception
    {
        return new ProcessBuilder(ChildJvm.command("384m", "replay", "--db-url", PostgresTestSupport.url(db),
            "--journal-dir", dir.resolve(name + "-journal").toString(), "--provider", "ibkr", "--symbols", String.join(",", SYMBOLS),
            "--start", START.toString(), "--end", END.toString(), "--speed", String.valueOf(SPEED)))
            .redirectOutput(dir.resolve(name + ".out").toFile()).redirectError(dir.resolve(name + ".err").toFile()).start();
    }

    private static long awaitRunOf(final Process process) throws Exception
    {
        final long before = count("SELECT coalesce(max(id), 0) FROM job_runs");
        await().atMost(Duration.ofSeconds(90)).until(() -> !process.isAlive() ||
            count("SELECT count(*) FROM job_runs WHERE id > " + before + " AND job_name = 'tick_replay' AND status = 'running'") > 0);
        assertThat(process.isAlive()).as("the replay command runs").isTrue();
        return count("SELECT max(id) FROM job_runs WHERE job_name = 'tick_replay'");
    }

    /** Bars of the run are in the table (committed) and the run is still going. */
    private static void awaitCommittedBars(final long runId) throws Exception
    {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> count("SELECT count(*) FROM bars_ohlcv") >= 30);
        assertThat(status(runId)).as("still running when it is stopped").isEqualTo("running");
    }

    private static void kill(final Process process, final String signal) throws Exception
    {
        assertThat(new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).start().waitFor()).isZero();
    }

    private void assertOnlyWholeRows(final long runId, final String status) throws Exception
    {
        await().atMost(Duration.ofSeconds(30)).until(() -> status.equals(status(runId)));
        final JsonNode job = job(runId);
        assertThat(job.get("max_ts").isNull()).as("the run emitted ticks").isFalse();
        final long lastEmitted = io.tickreplay.engine.tick.Micros.of(OffsetDateTime.parse(job.get("max_ts").asText()).toInstant());
        assertThat(lastEmitted).as("it ended early").isLessThan(io.tickreplay.engine.tick.Micros.of(END) - 60_000_000L);
        assertRowsAreWhole(lastEmitted);
    }

    /** Every stored bar and signal row equals the uninterrupted run's; none lies after {@code lastEmittedMicros}. */
    private static void assertRowsAreWhole(final long lastEmittedMicros) throws Exception
    {
        final Map<String, String> bars = bars();
        assertThat(bars).as("bars were committed before the run ended").isNotEmpty();
        bars.forEach((key, value) -> assertThat(value).as("bar " + key).isEqualTo(referenceBars.get(key)));
        final Map<String, Double> signals = signals();
        assertThat(signals).isNotEmpty();
        signals.forEach((key, value) -> assertThat(value).as("signal " + key).isEqualTo(referenceSignals.get(key)));
        assertThat(count("SELECT count(*) FROM signals WHERE ts > " + timestamp(lastEmittedMicros)))
            .as("signal rows after the last emitted tick").isZero();
        assertThat(count("SELECT count(*) FROM bars_ohlcv WHERE ts + interval::interval > " + timestamp(lastEmittedMicros)))
            .as("bars ending after the last emitted tick").isZero();
    }

    private static String timestamp(final long micros)
    {
        return micros == Long.MAX_VALUE ? "'infinity'::timestamptz" : "'" + io.tickreplay.engine.tick.Micros.toInstant(micros) + "'::timestamptz";
    }

    private static JsonNode job(final long runId) throws Exception
    {
        final HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/v1/replay/ticks/" + runId)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static String status(final long runId) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT status FROM job_runs WHERE id = " + runId))
        {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    private static long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Map<String, String> bars() throws Exception
    {
        final Map<String, String> rows = new TreeMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT symbol, interval, ts, open, high, low, close, volume, trade_count, vwap FROM bars_ohlcv"))
        {
            while (rs.next())
            {
                rows.put(rs.getString(1) + " " + rs.getString(2) + " " + rs.getObject(3, OffsetDateTime.class).toInstant(),
                    rs.getDouble(4) + " " + rs.getDouble(5) + " " + rs.getDouble(6) + " " + rs.getDouble(7) + " " + rs.getDouble(8) + " " +
                    rs.getLong(9) + " " + rs.getDouble(10));
            }
        }
        return rows;
    }

    private static Map<String, Double> signals() throws Exception
    {
        final Map<String, Double> rows = new TreeMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT symbol, ts, name, value FROM signals"))
        {
            while (rs.next())
            {
                rows.put(rs.getString(1) + " " + rs.getObject(2, OffsetDateTime.class).toInstant() + " " + rs.getString(3), rs.getDouble(4));
            }
        }
        return rows;
    }
}
