package io.tickreplay.api.replay;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.chronicle.JournalContents;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** Replays end to end: a real PostgreSQL, the in-process bus, job rows, journals, live control, failures. */
class ReplayServiceIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT");
    /** 09:30-10:30 New York on 2025-11-03: the first hour of the session. */
    private static final Instant START = Instant.parse("2025-11-03T14:30:00Z");
    private static final Instant END = Instant.parse("2025-11-03T15:30:00Z");

    private static Database db;
    private static InProcessBus bus;

    @TempDir
    Path journals;

    private ReplayService service;
    private SimpleMeterRegistry registry;
    private final List<BusMessage> received = Collections.synchronizedList(new ArrayList<>());
    private InProcessBus.Subscription subscription;

    @BeforeAll
    static void generate() throws Exception
    {
        db = PostgresTestSupport.freshSchema("replay");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(4).seed(5);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    @BeforeEach
    void startService()
    {
        registry = new SimpleMeterRegistry();
        service = new ReplayService(db, bus, registry, config(3, 8192, 1 << 16, 262_144));
        subscription = bus.subscribe("test", (m, end) ->
        {
            if (m.origin == BusMessage.ORIGIN_REPLAY)
            {
                received.add(new BusMessage().copyFrom(m));
            }
        });
    }

    @AfterEach
    void stopService()
    {
        service.close();
        subscription.close();
    }

    private ReplayService.Context config(final int maxConcurrent, final int batchSize, final int ringSize, final int chunkRows)
    {
        return new ReplayService.Context().maxConcurrent(maxConcurrent).journalDir(journals).ticksRingSize(ringSize).batchSize(batchSize)
            .chunkRows(chunkRows).progressIntervalMillis(100).metricsRetentionMinutes(0).signals(List.of("none"));
    }

    private static List<String> expectedStream(final Instant start, final Instant end) throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, seq FROM tick_data WHERE provider = 'ibkr' AND symbol = ANY(?) AND ts >= ? AND ts < ? " +
                 "ORDER BY ts, symbol COLLATE \"C\", seq"))
        {
            s.setArray(1, c.createArrayOf("text", SYMBOLS.toArray()));
            s.setObject(2, java.time.OffsetDateTime.ofInstant(start, java.time.ZoneOffset.UTC));
            s.setObject(3, java.time.OffsetDateTime.ofInstant(end, java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(rs.getString(1) + " " + Micros.of(rs.getObject(2, java.time.OffsetDateTime.class).toInstant()) + " " + rs.getInt(3));
                }
            }
        }
        return out;
    }

    private List<String> receivedStream(final long runId) throws InterruptedException
    {
        assertThat(subscription.awaitCaughtUp(30_000)).isTrue();
        final List<String> out = new ArrayList<>();
        synchronized (received)
        {
            for (final BusMessage m : received)
            {
                if (m.replayRunId == runId)
                {
                    out.add(m.symbol + " " + m.tsMicros + " " + m.seq);
                }
            }
        }
        return out;
    }

    private JobRunStore.JobRun job(final long runId) throws Exception
    {
        return service.jobs().find(runId).orElseThrow();
    }

    @Test
    void aBurstReplayEmitsTheWholeWindowInOrderAndRecordsItsJob() throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0));
        final ReplayOutcome outcome = run.done().get(60, TimeUnit.SECONDS);
        final List<String> expected = expectedStream(START, END);

        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(receivedStream(run.runId())).containsExactlyElementsOf(expected);
        final JobRunStore.JobRun job = job(run.runId());
        assertThat(job.jobName()).isEqualTo("tick_replay");
        assertThat(job.status()).isEqualTo("completed");
        assertThat(job.provider()).isEqualTo("ibkr");
        assertThat(job.symbols()).containsExactlyElementsOf(SYMBOLS);
        assertThat(job.rowsWritten()).isEqualTo(expected.size());
        assertThat(job.minTs()).isEqualTo(START);
        assertThat(Micros.of(job.maxTs())).isEqualTo(Long.parseLong(expected.get(expected.size() - 1).split(" ")[1]));
        assertThat(job.completedAt()).isNotNull();
        assertThat(job.errorMessage()).isNull();
        assertThat(job.metadata()).containsEntry("speed", 0.0).containsEntry("source", "database").containsKey("checksum").containsKey("journal");
        final BusMessage first = received.stream().filter(m -> m.replayRunId == run.runId()).findFirst().orElseThrow();
        assertThat(first.provider).isEqualTo("ibkr");
        assertThat(first.bid).isLessThan(first.ask);
    }

    @Test
    void aJournalReplaysTheIdenticalStreamWithoutTheDatabase() throws Exception
    {
        final ReplayRun original = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0));
        final ReplayOutcome fromDb = original.done().get(60, TimeUnit.SECONDS);
        final ReplayRun again = service.start(ReplayRequest.fromJournal(original.runId(), 0.0));
        final ReplayOutcome fromJournal = again.done().get(60, TimeUnit.SECONDS);

        assertThat(fromJournal.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(fromJournal.ticks()).isEqualTo(fromDb.ticks()).isPositive();
        assertThat(fromJournal.checksumHex()).isEqualTo(fromDb.checksumHex());
        assertThat(receivedStream(again.runId())).containsExactlyElementsOf(receivedStream(original.runId()));
        assertThat(job(again.runId()).metadata()).containsEntry("source", "journal").containsEntry("journal_of", (int)original.runId());
        assertThat(job(again.runId()).metadata().get("checksum")).isEqualTo(job(original.runId()).metadata().get("checksum"));
    }

    @Test
    void theJournalOfARunThatDidNotCompleteIsRefusedUnlessAllowedAndThenGivesWhatItHolds() throws Exception
    {
        final ReplayRun cut = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 50.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> cut.progress().emitted() > 20);
        cut.control().cancel();
        final ReplayOutcome cancelled = cut.done().get(60, TimeUnit.SECONDS);
        assertThat(cancelled.status()).isEqualTo(ReplayOutcome.Status.CANCELLED);

        assertThatThrownBy(() -> service.start(ReplayRequest.fromJournal(cut.runId(), 0.0)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("from_journal"))
            .hasMessageContaining("incomplete").hasMessageContaining("its run ended cancelled")
            .hasMessageContaining("it holds " + String.format("%,d", cancelled.ticks()) + " ticks").hasMessageContaining("--allow-partial");
        final ReplayRun partial = service.start(ReplayRequest.fromJournal(cut.runId(), 0.0).withAllowPartial(true));
        final ReplayOutcome replayed = partial.done().get(60, TimeUnit.SECONDS);
        assertThat(replayed.ticks()).isEqualTo(cancelled.ticks());
        assertThat(replayed.checksumHex()).isEqualTo(cancelled.checksumHex());

        // a process killed mid-run leaves its manifest saying running: refused too, with what the journal holds
        final Path dir = journals.resolve(String.valueOf(cut.runId()));
        final JournalManifest manifest = JournalManifest.read(dir);
        manifest.withOutcome("running", 0, null, null, null, null).write(dir);
        assertThatThrownBy(() -> service.start(ReplayRequest.fromJournal(cut.runId(), 0.0)))
            .hasMessageContaining("never ended").hasMessageContaining("it holds " + String.format("%,d", cancelled.ticks()) + " ticks, the last at");
        assertThat(JournalContents.read(dir, JournalManifest.read(dir)).state()).isEqualTo(JournalContents.State.INCOMPLETE);
        // a completed run's journal that lost its end is corrupt, not incomplete
        manifest.withOutcome("completed", cancelled.ticks() + 1, manifest.checksum(), null, null, null).write(dir);
        assertThat(JournalContents.read(dir, JournalManifest.read(dir)).state()).isEqualTo(JournalContents.State.CORRUPT);
    }

    @Test
    void emptyWindowsCompleteWithNothingAndUnknownSymbolsAreRefusedBeforeAnyJob() throws Exception
    {
        final ReplayRun empty = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START.minusSeconds(7200), START, 0.0));
        assertThat(empty.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(job(empty.runId()).rowsWritten()).isZero();
        assertThat(job(empty.runId()).maxTs()).isNull();

        // a symbol the store does not hold is a mistake to name, not a run of what exists (issue 21): no job row is made
        final int jobsBefore = service.jobs().list(ReplayService.JOB_NAME, null, null, 1000, 0).size();
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", List.of("NVDA", "ZZZZ"), START, START.plusSeconds(60), 0.0)))
            .isInstanceOf(ReplayRequest.InvalidField.class).hasMessageContaining("ZZZZ").hasMessageContaining("NVDA");
        assertThat(service.jobs().list(ReplayService.JOB_NAME, null, null, 1000, 0)).hasSize(jobsBefore);
    }

    @Test
    void aRunCanBePausedResumedSeekedAndCancelledAndItsJobSaysSo() throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 1.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().emitted() > 0);
        run.control().pause();
        await().atMost(Duration.ofSeconds(30)).until(() -> job(run.runId()).status().equals("paused"));
        final long atPause = run.progress().emitted();
        Thread.sleep(300);
        assertThat(run.progress().emitted()).isEqualTo(atPause);

        final Instant target = START.plusSeconds(1800);
        run.control().seek(Micros.of(target));
        run.control().resume();
        run.control().setSpeed(100);
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().lastTsMicros() >= Micros.of(target));
        await().atMost(Duration.ofSeconds(30)).until(() -> job(run.runId()).status().equals("running"));
        run.control().cancel();
        final ReplayOutcome outcome = run.done().get(30, TimeUnit.SECONDS);

        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        final JobRunStore.JobRun job = job(run.runId());
        assertThat(job.status()).isEqualTo("cancelled");
        assertThat(job.rowsWritten()).isEqualTo(outcome.ticks());
        assertThat(job.metadata()).containsEntry("speed", 1.0).containsEntry("speed_final", 100.0);
        final List<String> stream = receivedStream(run.runId());
        final List<Long> times = stream.stream().map(row -> Long.parseLong(row.split(" ")[1])).toList();
        assertThat(times).isSorted();
        assertThat(times.subList((int)atPause, times.size())).allMatch(ts -> ts >= Micros.of(target));
    }

    @Test
    void severalReplaysRunAtOnceUpToTheLimit() throws Exception
    {
        final List<ReplayRun> slow = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            slow.add(service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 1.0)));
        }
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0)))
            .isInstanceOf(ReplayLimitException.class).hasMessageContaining("3 replays are already running");
        slow.forEach(r -> r.control().cancel());
        for (final ReplayRun r : slow)
        {
            assertThat(r.done().get(30, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        }

        final List<ReplayRun> bursts = new ArrayList<>();
        final Instant[] starts = {START, START.plusSeconds(600), START.plusSeconds(1200)};
        for (final Instant s : starts)
        {
            bursts.add(service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, s, s.plusSeconds(1200), 0.0)));
        }
        for (int i = 0; i < bursts.size(); i++)
        {
            final ReplayRun r = bursts.get(i);
            assertThat(r.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
            assertThat(receivedStream(r.runId())).containsExactlyElementsOf(expectedStream(starts[i], starts[i].plusSeconds(1200)));
        }
    }

    @Test
    void theDatabaseFailingMidReplayFailsTheJobAndLosesNothingEmitted() throws Exception
    {
        service.close();
        service = new ReplayService(db, bus, registry, config(3, 64, 256, 500));
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 100.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().emitted() > 100);
        try (Connection c = PostgresTestSupport.server().connection(); Statement s = c.createStatement())
        {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tickreplay-replay-" + run.runId() + "'");
        }
        final ReplayOutcome outcome = run.done().get(60, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        final JobRunStore.JobRun job = job(run.runId());
        assertThat(job.status()).isEqualTo("failed");
        assertThat(job.errorMessage()).startsWith("source: ").hasSizeGreaterThan(10);
        final List<String> stream = receivedStream(run.runId());
        final List<String> all = expectedStream(START, END);
        assertThat(stream.size()).isEqualTo(job.rowsWritten()).isLessThan(all.size());
        assertThat(stream).containsExactlyElementsOf(all.subList(0, stream.size()));
        assertThat(registry.find("tick_replay_errors").tag("run_id", String.valueOf(run.runId())).functionCounter()).isNull(); // removed (retention 0)
    }

    @Test
    void metricsCarryTheSeedsNamesWhileARunLivesAndGoAwayAfter() throws Exception
    {
        service.close();
        service = new ReplayService(db, bus, registry, new ReplayService.Context().maxConcurrent(3).journal(false).journalDir(journals)
            .progressIntervalMillis(100).metricsRetentionMinutes(1).signals(List.of("none")));
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 1.0));
        await().atMost(Duration.ofSeconds(30)).until(() -> run.progress().emitted() > 0);
        run.control().pause();
        await().atMost(Duration.ofSeconds(5)).until(() -> registry.find("tick_replay_ticks_emitted").tags("run_id", String.valueOf(run.runId())).functionCounters()
            .stream().mapToDouble(io.micrometer.core.instrument.FunctionCounter::count).sum() == run.progress().emitted());
        assertThat(registry.find("tick_replay_ticks_emitted").tags("provider", "ibkr", "symbol", "NVDA", "run_id", String.valueOf(run.runId())).functionCounter())
            .isNotNull();
        assertThat(registry.find("tick_replay_lag_ms").tag("run_id", String.valueOf(run.runId())).gauge()).isNotNull();
        assertThat(registry.find("tick_replay_errors").tag("run_id", String.valueOf(run.runId())).functionCounter().count()).isZero();
        run.control().cancel();
        run.done().get(30, TimeUnit.SECONDS);
        assertThat(registry.find("tick_replay_lag_ms").tag("run_id", String.valueOf(run.runId())).gauge()).as("kept for the retention time").isNotNull();
    }

    @Test
    void aReplayWithSignalsWritesThemBeforeItCompletesAndCountsThem() throws Exception
    {
        final Instant end = START.plusSeconds(1800);
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, end, 0.0)
            .withSignals(List.of("vwap_deviation_bps", "spread_bps", "rsi_14")));
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final JobRunStore.JobRun job = job(run.runId());
        assertThat(job.metadata()).containsEntry("signals", List.of("vwap_deviation_bps", "spread_bps", "rsi_14"));
        @SuppressWarnings("unchecked")
        final java.util.Map<String, Object> written = (java.util.Map<String, Object>)job.metadata().get("signals_written");
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT name, count(*) FROM signals WHERE metadata->>'replay_run_id' = ? GROUP BY name"))
        {
            s.setString(1, String.valueOf(run.runId()));
            final java.util.Map<String, Long> stored = new java.util.HashMap<>();
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    stored.put(rs.getString(1), rs.getLong(2));
                }
            }
            assertThat(stored).containsOnlyKeys("vwap_deviation_bps", "spread_bps", "rsi_14");
            for (final var e : stored.entrySet())
            {
                assertThat(((Number)written.get(e.getKey())).longValue()).isEqualTo(e.getValue()).isPositive();
                assertThat(registry.find("signals_written").tag("name", e.getKey()).counter().count()).isGreaterThanOrEqualTo(e.getValue());
            }
            // one row per (symbol, ts): fewer than ticks when ticks share a ts
            final long distinctTs = expectedStream(START, end).stream().map(row -> row.split(" ")[0] + row.split(" ")[1]).distinct().count();
            assertThat(stored.get("vwap_deviation_bps")).isEqualTo(distinctTs);
            assertThat(stored.get("rsi_14")).as("30 one-minute bars per symbol: RSI from the 15th on").isEqualTo(3 * (30 - 14));
        }
        assertThat(registry.find("signals_compute_duration").tag("name", "spread_bps").timer()).isNotNull();

        // bars from the same stream, equal to PostgreSQL aggregating the ticks itself
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT (SELECT count(*) FROM bars_ohlcv WHERE provider = 'ibkr' AND symbol = 'NVDA' AND interval = '1m' " +
                 "AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T15:00:00Z'), " +
                 "(SELECT count(*) FROM bars_ohlcv WHERE interval = '5m' AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T15:00:00Z'), " +
                 "(SELECT count(*) FROM (SELECT b.* FROM bars_ohlcv b JOIN (SELECT symbol, date_trunc('minute', ts) AS m, " +
                 "   (array_agg(price ORDER BY ts, seq))[1] AS o, max(price) AS h, min(price) AS l, (array_agg(price ORDER BY ts DESC, seq DESC))[1] AS cl, " +
                 "   sum(size) AS v, count(*) AS n FROM tick_data WHERE provider = 'ibkr' AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T15:00:00Z' " +
                 "   GROUP BY 1, 2) t ON b.provider = 'ibkr' AND b.symbol = t.symbol AND b.interval = '1m' AND b.ts = t.m " +
                 "  WHERE b.open = t.o AND b.high = t.h AND b.low = t.l AND b.close = t.cl AND abs(b.volume - t.v) < 1e-9 AND b.trade_count = t.n) ok)"))
        {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(30);
            assertThat(rs.getLong(2)).isEqualTo(3 * 6);
            assertThat(rs.getLong(3)).isEqualTo(3 * 30);
        }
        assertThat(((Number)job.metadata().get("bars_written")).longValue()).as("1m and 5m bars; the 1h bar from 14:00 started before the replay and is not written").isEqualTo(3 * (30 + 6));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withSignals(List.of("nope"))))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("signals"));
    }

    private static java.util.Map<String, Double> signalRows(final long runId, final Instant from) throws Exception
    {
        final java.util.Map<String, Double> rows = new java.util.TreeMap<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, name, value FROM signals WHERE metadata->>'replay_run_id' = ? AND ts >= ?"))
        {
            s.setString(1, String.valueOf(runId));
            s.setObject(2, java.time.OffsetDateTime.ofInstant(from, java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    rows.put(rs.getString(1) + " " + rs.getObject(2, java.time.OffsetDateTime.class).toInstant() + " " + rs.getString(3), rs.getDouble(4));
                }
            }
        }
        return rows;
    }

    private static void assertSameValues(final java.util.Map<String, Double> actual, final java.util.Map<String, Double> expected)
    {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (final var e : expected.entrySet())
        {
            assertThat(actual.get(e.getKey())).as(e.getKey()).isCloseTo(e.getValue(), within(1e-9 * Math.max(1, Math.abs(e.getValue()))));
        }
    }

    @Test
    void aReplayStartingMidSessionWritesTheSameSignalsAsTheWholeSessionAndSoDoesItsJournal() throws Exception
    {
        final Instant dayStart = Instant.parse("2025-11-03T00:00:00Z");
        final Instant middle = Instant.parse("2025-11-03T15:10:00.5Z");
        final Instant end = Instant.parse("2025-11-03T15:30:00Z");
        final ReplayRun whole = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, dayStart, end, 0.0).withSignals(List.of("all")));
        assertThat(whole.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final java.util.Map<String, Double> expected = signalRows(whole.runId(), middle);
        assertThat(expected.keySet()).anyMatch(k -> k.endsWith("rsi_14")).anyMatch(k -> k.endsWith("bb_zscore_20"))
            .anyMatch(k -> k.endsWith("tick_rate_zscore")).anyMatch(k -> k.endsWith("vwap_deviation_bps"));

        final ReplayRun part = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, middle, end, 0.0).withSignals(List.of("all")));
        assertThat(part.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(Instant.parse((String)job(part.runId()).metadata().get("warmup_from"))).isBefore(middle);
        assertThat(job(part.runId()).rowsWritten()).isEqualTo(expectedStream(middle, end).size());
        assertThat(signalRows(part.runId(), Instant.EPOCH)).as("nothing before the start is written").hasSameSizeAs(expected);
        assertSameValues(signalRows(part.runId(), middle), expected);

        final ReplayRun fromJournal = service.start(ReplayRequest.fromJournal(part.runId(), 0.0).withSignals(List.of("all")));
        assertThat(fromJournal.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(job(fromJournal.runId()).rowsWritten()).isEqualTo(job(part.runId()).rowsWritten());
        assertThat(job(fromJournal.runId()).metadata().get("checksum")).isEqualTo(job(part.runId()).metadata().get("checksum"));
        assertSameValues(signalRows(fromJournal.runId(), Instant.EPOCH), expected);
    }

    @Test
    void signalsGoStraightIntoACsvFileOnlyWhenTheReplayCompletes() throws Exception
    {
        final Path file = journals.resolve("features").resolve("signals.csv.gz");
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, START.plusSeconds(900), 0.0)
            .withSignals(List.of("spread_bps", "book_imbalance")).withSink(file.toString()));
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> lines;
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(new java.util.zip.GZIPInputStream(java.nio.file.Files.newInputStream(file)),
            java.nio.charset.StandardCharsets.UTF_8)))
        {
            lines = in.lines().toList();
        }
        assertThat(lines.get(0)).isEqualTo("provider,symbol,ts,name,value,score,metadata");
        assertThat(lines).hasSize(1 + ((Number)job(run.runId()).metadata().get("signals_written")).intValue());
        assertThat(lines.get(1)).startsWith("ibkr,").contains("\"{\"\"origin\"\":\"\"replay\"\",\"\"replay_run_id\"\":" + run.runId());
        assertThat(lines.stream().skip(1).map(l -> l.split(",")[3]).distinct()).containsExactlyInAnyOrder("spread_bps", "book_imbalance");
        assertNoTemporaryFile(file);
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM signals WHERE metadata->>'replay_run_id' = '" + run.runId() + "'"))
        {
            rs.next();
            assertThat(rs.getLong(1)).as("no table in between").isZero();
        }

        final Path cancelledFile = journals.resolve("cancelled.csv");
        final ReplayRun cancelled = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 1.0)
            .withSignals(List.of("all")).withSink(cancelledFile.toString()));
        await().atMost(Duration.ofSeconds(30)).until(() -> cancelled.progress().emitted() > 0);
        cancelled.control().cancel();
        assertThat(cancelled.done().get(30, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        assertThat(java.nio.file.Files.exists(cancelledFile)).isFalse();
        assertNoTemporaryFile(cancelledFile);
    }

    /** No temporary file of {@code target} ({@code <name>.<random>.tmp}) is left beside it. */
    private static void assertNoTemporaryFile(final Path target) throws java.io.IOException
    {
        try (var files = java.nio.file.Files.list(target.getParent()))
        {
            final String name = target.getFileName().toString();
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(name + ".") && n.endsWith(".tmp"));
        }
    }

    @Test
    void signalsGoStraightIntoAParquetFileThatHoldsTheRowsTheTableGets() throws Exception
    {
        final List<String> names = List.of("vwap_deviation_bps", "spread_bps", "rsi_14");
        final Instant end = START.plusSeconds(1800);
        final ReplayRun table = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, end, 0.0).withSignals(names));
        assertThat(table.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final java.util.Map<String, Double> expected = signalRows(table.runId(), Instant.EPOCH);
        assertThat(expected).isNotEmpty();

        final Path file = journals.resolve("features").resolve("signals.parquet");
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, end, 0.0).withSignals(names).withSink(file.toString()));
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(job(run.runId()).metadata()).containsEntry("signals_file", file.toAbsolutePath().toString());
        try (var files = java.nio.file.Files.list(file.getParent()))
        {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("signals.parquet.") && n.endsWith(".tmp"));
        }

        // read back by DuckDB, not by the library that wrote it
        final java.util.Map<String, Double> actual = new java.util.TreeMap<>();
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement st = duck.createStatement())
        {
            try (ResultSet rs = st.executeQuery("SELECT symbol, epoch_us(ts), name, value, metadata, provider, score FROM read_parquet('" + file + "')"))
            {
                while (rs.next())
                {
                    final Instant ts = Instant.EPOCH.plus(rs.getLong(2), java.time.temporal.ChronoUnit.MICROS);
                    actual.put(rs.getString(1) + " " + ts + " " + rs.getString(3), rs.getDouble(4));
                    assertThat(rs.getString(5)).startsWith("{\"origin\":\"replay\",\"replay_run_id\":" + run.runId());
                    assertThat(rs.getString(6)).isEqualTo("ibkr");
                    assertThat(rs.getObject(7)).isNull();
                }
            }
        }
        assertThat(((Number)job(run.runId()).metadata().get("signals_written")).longValue()).isEqualTo(actual.size());
        assertSameValues(actual, expected);
    }

    @Test
    void badRequestsNameTheirFieldAndStartNothing() throws Exception
    {
        final long before = service.jobs().list("tick_replay", null, null, 1000, 0).size();
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", List.of(), START, END, 0)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("symbols"));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, END, START, 0)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("end"));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, -1)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("speed"));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ib kr", SYMBOLS, START, END, 0)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("provider"));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withSink("out.xlsx")))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("sink"));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromJournal(999_999, 0)))
            .isInstanceOfSatisfying(ReplayRequest.InvalidField.class, e -> assertThat(e.field()).isEqualTo("from_journal"));
        assertThat(service.jobs().list("tick_replay", null, null, 1000, 0)).hasSize((int)before);
    }

    private List<String> rows(final String sql) throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (java.sql.Connection c = db.connection(); java.sql.Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql))
        {
            final int columns = rs.getMetaData().getColumnCount();
            while (rs.next())
            {
                final StringBuilder row = new StringBuilder();
                for (int i = 1; i <= columns; i++)
                {
                    row.append(rs.getString(i)).append('|');
                }
                out.add(row.toString());
            }
        }
        return out;
    }

    @Test
    void aCancelledReplayOfAWindowLeavesTheCompleteBarsAndBarSignalsOfAnEarlierRunAsTheyWere() throws Exception
    {
        final ReplayRun whole = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0).withSignals(List.of("all")));
        assertThat(whole.done().get(120, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final String barQuery = "SELECT symbol, interval, ts, open, high, low, close, volume, trade_count FROM bars_ohlcv WHERE provider = 'ibkr' " +
            "AND run_id = " + whole.runId() + " ORDER BY 1, 2, 3";
        final String barSignalQuery = "SELECT symbol, ts, name, value FROM signals WHERE provider = 'ibkr' AND name IN ('rsi_14', 'bb_zscore_20', " +
            "'volume_profile') AND run_id = " + whole.runId() + " ORDER BY 1, 2, 3";
        final List<String> barsBefore = rows(barQuery);
        final List<String> barSignalsBefore = rows(barSignalQuery);
        // the run's own bars (runs are kept apart): 1m and 5m; the window holds no whole hour, so no 1h bar
        assertThat(barsBefore).anyMatch(r -> r.contains("|1m|")).anyMatch(r -> r.contains("|5m|")).noneMatch(r -> r.contains("|1h|"))
            .hasSizeGreaterThan(100);
        assertThat(barSignalsBefore).isNotEmpty();

        // the same window at 10x, cancelled a few seconds in (the first user's case): its partial bars must not replace whole ones
        final ReplayRun partial = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 10.0).withSignals(List.of("all")));
        await().atMost(Duration.ofSeconds(60)).until(() -> partial.progress().emitted() > 2_000);
        Thread.sleep(3_000);
        partial.control().cancel();
        assertThat(partial.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        assertThat(rows(barQuery)).containsExactlyElementsOf(barsBefore);
        assertThat(rows(barSignalQuery)).containsExactlyElementsOf(barSignalsBefore);
        // and it wrote no bar signal at a minute it never emitted
        final long lastEmitted = io.tickreplay.engine.tick.Micros.of(Instant.parse(
            service.jobs().find(partial.runId()).orElseThrow().maxTs().toString()));
        assertThat(rows("SELECT count(*) FROM signals WHERE name IN ('rsi_14', 'bb_zscore_20', 'volume_profile') AND " +
            "metadata->>'replay_run_id' = '" + partial.runId() + "' AND ts + interval '1 minute' > '" +
            io.tickreplay.engine.tick.Micros.toInstant(lastEmitted) + "'")).containsExactly("0|");
        // nor a bar of its own over time it did not emit whole, in its own rows beside the earlier run's
        assertThat(rows("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + partial.runId() + " AND ts + interval::interval > '" +
            io.tickreplay.engine.tick.Micros.toInstant(lastEmitted) + "'")).containsExactly("0|");
        assertThat(rows("SELECT count(*) FROM bars_ohlcv WHERE run_id = " + partial.runId())).doesNotContain("0|");
    }

    @Test
    void everySignalCounterOfTheSeedExistsAtZeroFromTheStart()
    {
        for (final String name : io.tickreplay.engine.signals.SignalSet.REGISTRY.keySet())
        {
            assertThat(registry.find("signals_write_failures").tag("name", name).counter()).as(name).isNotNull()
                .extracting(io.micrometer.core.instrument.Counter::count).isEqualTo(0.0);
            assertThat(registry.find("signals_written").tag("name", name).counter()).as(name).isNotNull();
        }
    }

    @Test
    void aReplayThatCannotStartLeavesNoThreadAndAFailedJobSayingWhy() throws Exception
    {
        service.close();
        // a spinning wait strategy with more threads than cores: refused only once the run's writers and source are built
        service = new ReplayService(db, bus, registry, config(3, 8192, 1 << 16, 262_144).waitStrategy("yielding").cores(2));
        final java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0.0).withSignals(List.of("all"))))
            .hasMessageContaining("yielding keeps a core busy");
        final List<io.tickreplay.adapters.postgres.JobRunStore.JobRun> failed = service.jobs().list(ReplayService.JOB_NAME, "failed", "ibkr", 10, 0);
        assertThat(failed).isNotEmpty();
        assertThat(failed.get(0).errorMessage()).startsWith("could not start: ").contains("yielding");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && !before.contains(t) && t.getName().contains("replay-")).map(Thread::getName).toList()).isEmpty());
        assertThat(service.activeRuns()).isEmpty();
    }
}
