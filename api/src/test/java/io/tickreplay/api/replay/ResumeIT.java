package io.tickreplay.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.http.ApiServer;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Resumable replays end to end (docs/replay.md, "Resume"): a run killed with kill -9 in a process of its
 * own, or cancelled through the API, goes on from its last checkpoint under the same run id and ends
 * with the tick count, stream checksum, {@code signals} rows and {@code bars_ohlcv} rows of a run of
 * the same window that never stopped, and a journal that verifies whole.
 */
class ResumeIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT");
    /** Mid-minute on both ends: the window's first and last minutes are partial, and no checkpoint falls on a bar's edge on purpose. */
    private static final Instant START = Instant.parse("2025-11-03T14:30:00Z");
    private static final Instant END = Instant.parse("2025-11-03T15:20:30Z");
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
    private static Reference reference;

    /** What a run of the window that never stopped leaves. */
    private record Reference(long ticks, String checksum, Map<String, Double> signals, Map<String, String> bars)
    {
    }

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("resume");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(4).seed(11);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
        service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(dir.resolve("journal"))
            .ticksRingSize(1 << 14).progressIntervalMillis(100).metricsRetentionMinutes(0).checkpointInterval(Duration.ofMillis(100)));
        exports = new ExportService(db, 2);
        api = new ApiServer(new ApiServer.Context().port(0).maxBodyBytes(16384).exportDir(dir.resolve("exports")), db, service, exports,
            new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT));
        base = "http://127.0.0.1:" + api.start();

        final ReplayRun whole = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0).withSignals(List.of("all")));
        final ReplayOutcome outcome = whole.done().get(120, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        reference = new Reference(outcome.ticks(), outcome.checksumHex(), signals(), bars());
        assertThat(reference.signals().keySet()).anyMatch(k -> k.endsWith("rsi_14")).anyMatch(k -> k.endsWith("bb_zscore_20"))
            .anyMatch(k -> k.endsWith("tick_rate_zscore")).anyMatch(k -> k.endsWith("vwap_deviation_bps"));
        assertThat(reference.bars().keySet()).anyMatch(k -> k.contains(" 1m ")).anyMatch(k -> k.contains(" 5m "));
        assertThatThrownBy(() -> service.resume(whole.runId(), null)).isInstanceOf(ReplayService.ResumeRefused.class)
            .hasMessageContaining("completed");
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

    /** Every signals row of the window as "symbol ts name" to value. */
    private static Map<String, Double> signals() throws Exception
    {
        final Map<String, Double> rows = new TreeMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT symbol, ts, name, value FROM signals WHERE provider = 'ibkr'"))
        {
            while (rs.next())
            {
                rows.put(rs.getString(1) + " " + rs.getObject(2, java.time.OffsetDateTime.class).toInstant() + " " + rs.getString(3), rs.getDouble(4));
            }
        }
        return rows;
    }

    /** Every bar as "symbol interval ts" to its values. */
    private static Map<String, String> bars() throws Exception
    {
        final Map<String, String> rows = new TreeMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT symbol, interval, ts, open, high, low, close, volume, trade_count, vwap FROM bars_ohlcv WHERE provider = 'ibkr'"))
        {
            while (rs.next())
            {
                rows.put(rs.getString(1) + " " + rs.getString(2) + " " + rs.getObject(3, java.time.OffsetDateTime.class).toInstant(),
                    rs.getDouble(4) + " " + rs.getDouble(5) + " " + rs.getDouble(6) + " " + rs.getDouble(7) + " " + rs.getDouble(8) + " " + rs.getLong(9) +
                    " " + rs.getDouble(10));
            }
        }
        return rows;
    }

    /** Forgets what earlier runs wrote, so that only the run under test fills the tables. */
    private static void clearOutputs() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("TRUNCATE signal_rows");
            s.execute("DELETE FROM bars_ohlcv");
        }
    }

    private static long checkpointTicks(final long runId) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(ticks), 0) FROM replay_checkpoints WHERE run_id = " + runId))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long latestRun() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM job_runs WHERE job_name = 'tick_replay'"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The run ended as the run that never stopped did: same ticks, checksum, rows, and a journal that verifies whole. */
    private static void assertEndsAsTheReference(final long runId) throws Exception
    {
        final JobRunStore.JobRun job = service.jobs().find(runId).orElseThrow();
        assertThat(job.status()).isEqualTo("completed");
        assertThat(job.rowsWritten()).isEqualTo(reference.ticks());
        assertThat(job.metadata().get("ticks")).isEqualTo((int)reference.ticks());
        assertThat(job.metadata().get("checksum")).isEqualTo(reference.checksum());
        assertThat(((Number)job.metadata().get("resumes")).intValue()).isEqualTo(1);
        final Map<?, ?> from = (Map<?, ?>)job.metadata().get("resumed_from");
        // the journal was cut back to exactly the checkpoint (no warm-up here: the data starts with the window)
        assertThat(((Number)job.metadata().get("journal_resumed_after_ticks")).longValue()).isEqualTo(((Number)from.get("ticks")).longValue());

        final Map<String, Double> signals = signals();
        assertThat(signals.keySet()).containsExactlyElementsOf(reference.signals().keySet());
        for (final var e : reference.signals().entrySet())
        {
            assertThat(signals.get(e.getKey())).as(e.getKey()).isCloseTo(e.getValue(), within(1e-9 * Math.max(1, Math.abs(e.getValue()))));
        }
        assertThat(bars()).containsExactlyEntriesOf(reference.bars());

        final Path journal = dir.resolve("journal").resolve(String.valueOf(runId));
        final JournalManifest manifest = JournalManifest.read(journal);
        final JournalContents contents = JournalContents.read(journal, manifest);
        assertThat(contents.state()).as(contents.describe()).isEqualTo(JournalContents.State.WHOLE);
        assertThat(contents.ticks()).isEqualTo(reference.ticks());
        assertThat(contents.checksum()).isEqualTo(reference.checksum());
    }

    @Test
    void aReplayKilledWithKillNineAndResumedByTheCliEndsWithTheRowsAndChecksumOfAnUninterruptedRun() throws Exception
    {
        clearOutputs();
        final long before = latestRun();
        final Path out = dir.resolve("killed.out");
        final Path err = dir.resolve("killed.err");
        final ProcessBuilder replay = new ProcessBuilder(ChildJvm.command("256m", "replay", "--db-url", PostgresTestSupport.url(db),
            "--journal-dir", dir.resolve("journal").toString(), "--provider", "ibkr", "--symbols", String.join(",", SYMBOLS),
            "--start", START.toString(), "--end", END.toString(), "--speed", "150", "--signals", "all"))
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        replay.environment().put("TICKREPLAY_CHECKPOINT_INTERVAL", "200ms");
        final Process child = replay.start();
        final long runId;
        try
        {
            await().atMost(Duration.ofSeconds(90)).until(() -> latestRun() > before && checkpointTicks(latestRun()) > 2_000);
            runId = latestRun();
            assertThat(new ProcessBuilder("kill", "-9", String.valueOf(child.pid())).start().waitFor()).isZero();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        finally
        {
            child.destroyForcibly();
        }
        assertThat(service.jobs().find(runId).orElseThrow().status()).as(Files.readString(err)).isEqualTo("running");
        assertThat(checkpointTicks(runId)).isLessThan(reference.ticks());

        final Path resumeOut = dir.resolve("resume.out");
        final Path resumeErr = dir.resolve("resume.err");
        final Process resume = new ProcessBuilder(ChildJvm.command("256m", "resume", String.valueOf(runId), "--db-url", PostgresTestSupport.url(db),
            "--journal-dir", dir.resolve("journal").toString(), "--speed", "0"))
            .redirectOutput(resumeOut.toFile()).redirectError(resumeErr.toFile()).start();
        try
        {
            assertThat(resume.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(resume.exitValue()).as(Files.readString(resumeErr)).isZero();
        }
        finally
        {
            resume.destroyForcibly();
        }
        final JsonNode job = JSON.readTree(Files.readString(resumeOut));
        assertThat(job.get("run_id").asLong()).isEqualTo(runId);
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertEndsAsTheReference(runId);

        final Path againErr = dir.resolve("again.err");
        final Process again = new ProcessBuilder(ChildJvm.command("256m", "resume", String.valueOf(runId), "--db-url", PostgresTestSupport.url(db),
            "--journal-dir", dir.resolve("journal").toString())).redirectOutput(dir.resolve("again.out").toFile()).redirectError(againErr.toFile()).start();
        try
        {
            assertThat(again.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(again.exitValue()).as("a completed run is not resumed").isEqualTo(2);
            assertThat(Files.readString(againErr)).contains("replay run " + runId + " completed");
        }
        finally
        {
            again.destroyForcibly();
        }
    }

    @Test
    void aReplayCancelledThroughTheApiIsResumedThroughItFromItsCheckpoint() throws Exception
    {
        clearOutputs();
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 150.0).withSignals(List.of("all")));
        await().atMost(Duration.ofSeconds(90)).until(() -> checkpointTicks(run.runId()) > 2_000);
        assertThat(post("/v1/replay/ticks/" + run.runId() + "/cancel").get("status").asText()).isEqualTo("cancelled");
        assertThat(run.done().get(30, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);

        final JsonNode resumed = post("/v1/replay/ticks/" + run.runId() + "/resume");
        assertThat(resumed.get("run_id").asLong()).isEqualTo(run.runId());
        assertThat(resumed.get("status").asText()).isIn("running", "paused", "completed");
        final ReplayRun again = service.active(run.runId()).orElse(null);
        if (again != null)
        {
            again.control().setSpeed(0); // as fast as it goes from here: the test waits for the end, not for the pace
            assertThat(again.done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> service.jobs().find(run.runId()).orElseThrow().status().equals("completed"));
        assertEndsAsTheReference(run.runId());

        final HttpResponse<String> completed = call("/v1/replay/ticks/" + run.runId() + "/resume");
        assertThat(completed.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(completed.body()).get("field").asText()).isEqualTo("run_id");

        final long none = service.jobs().insert(ReplayService.JOB_NAME, "ibkr", "failed", SYMBOLS, START, Map.of("end", END.toString(), "speed", 1.0));
        final HttpResponse<String> noCheckpoint = call("/v1/replay/ticks/" + none + "/resume");
        assertThat(noCheckpoint.statusCode()).isEqualTo(409);
        assertThat(noCheckpoint.body()).contains("no checkpoint");
    }

    private static HttpResponse<String> call(final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode post(final String path) throws Exception
    {
        final HttpResponse<String> response = call(path);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
