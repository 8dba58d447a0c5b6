package io.tickreplay.benchmarks.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.BusListener;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The replay side of the bench, side by side in one run on one generated data set:
 * PostgreSQL's own COPY-out of the window (in replay order, and unordered: the physical limits),
 * burst replays database -> in-process bus (with and without the journal), journal -> bus, and
 * pacing fidelity at 1x and 10x. Every replay must emit the same stream (same checksum).
 */
public final class ReplayBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA", "META", "GOOG", "AMD", "NFLX", "INTC");

    private final Database db;
    private final Path journalDir;
    private final int rounds;

    public ReplayBench(final Database db, final Path journalDir, final int rounds)
    {
        this.db = db;
        this.journalDir = journalDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long ticks, final long pacedSeconds) throws Exception
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("bench").symbols(SYMBOLS)
            .days((int)Math.max(1, Math.min(20, ticks / 2_500_000 + 1))).seed(11).startDate(LocalDate.of(2025, 11, 3));
        final long atOne = new SyntheticSession(new SyntheticSession.Context().provider("bench").symbols(SYMBOLS).days(ctx.days()).ticksPerSecond(1.0))
            .expectedTicks();
        ctx.ticksPerSecond(ticks / (double)atOne);
        final SyntheticSession session = new SyntheticSession(ctx);
        final long generated = new TickStore(db.dataSource()).writeSession(session, ctx, f -> { });
        final Instant start = session.tradingDays().get(0).atStartOfDay().toInstant(ZoneOffset.UTC);
        final Instant end = session.tradingDays().get(session.tradingDays().size() - 1).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        System.out.println("bench replay: " + String.format(Locale.ROOT, "%,d", generated) + " ticks of " + SYMBOLS.size() + " symbols over " +
            session.tradingDays().size() + " day(s) in tick_data");
        try (Connection c = db.connection(); var s = c.createStatement())
        {
            s.execute("VACUUM ANALYZE tick_data");
        }

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        final List<Double> copyOrdered = new ArrayList<>();
        final List<Double> copyUnordered = new ArrayList<>();
        final List<Double> burst = new ArrayList<>();
        final List<Double> burstJournaled = new ArrayList<>();
        final List<Double> fromJournal = new ArrayList<>();
        final List<Double> journalSignals = new ArrayList<>();
        String checksum = null;
        long journaledRun = 0;

        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(100_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(),
                 new ReplayService.Context().journalDir(journalDir).metricsRetentionMinutes(0).signals(List.of("none"))))
        {
            final Counter counter = new Counter();
            try (InProcessBus.Subscription ignored = bus.subscribe("bench", counter))
            {
                for (int round = 1; round <= rounds; round++)
                {
                    copyOrdered.add(copyOut(start, end, true, generated));
                    copyUnordered.add(copyOut(start, end, false, generated));
                    final Result plain = replay(service, counter, ReplayRequest.fromDatabase("bench", SYMBOLS, start, end, 0.0).withSignals(List.of("none")), false, generated);
                    burst.add(plain.rate);
                    final Result journaled = replay(service, counter, ReplayRequest.fromDatabase("bench", SYMBOLS, start, end, 0.0).withSignals(List.of("none")), true, generated);
                    burstJournaled.add(journaled.rate);
                    journaledRun = journaled.runId;
                    final Result replayed = replay(service, counter, ReplayRequest.fromJournal(journaledRun, 0.0).withSignals(List.of("none")), null, generated);
                    fromJournal.add(replayed.rate);
                    // the whole in-memory pipeline: journal -> pacer -> every calculator (2 shards) -> a sink that drops the values
                    final Result computed = replay(service, counter,
                        ReplayRequest.fromJournal(journaledRun, 0.0).withSignals(List.of("all")).withSink("none"), null, generated);
                    journalSignals.add(computed.rate);
                    for (final String sum : List.of(plain.checksum, journaled.checksum, replayed.checksum))
                    {
                        if (checksum != null && !checksum.equals(sum))
                        {
                            throw new IllegalStateException("replays emitted different streams: checksum " + checksum + " vs " + sum);
                        }
                        checksum = sum;
                    }
                    System.out.printf(Locale.ROOT, "  round %d: COPY out ordered %s/s, unordered %s/s | replay db->bus %s/s, with journal %s/s | journal->bus %s/s%n",
                        round, rate(copyOrdered.get(round - 1)), rate(copyUnordered.get(round - 1)), rate(plain.rate), rate(journaled.rate), rate(replayed.rate));
                }
                out.put("checksum", checksum);
                out.put("streams_identical", true);
                out.put("postgres_copy_out_ordered_ticks_per_s", rounded(copyOrdered));
                out.put("postgres_copy_out_unordered_ticks_per_s", rounded(copyUnordered));
                out.put("replay_db_to_bus_ticks_per_s", rounded(burst));
                out.put("replay_db_to_bus_journaled_ticks_per_s", rounded(burstJournaled));
                out.put("replay_journal_to_bus_ticks_per_s", rounded(fromJournal));
                out.put("replay_journal_all_signals_null_sink_ticks_per_s", rounded(journalSignals));
                final double bestOrdered = max(copyOrdered);
                final double bestUnordered = max(copyUnordered);
                final double bestBurst = max(burst);
                out.put("ratio_replay_to_copy_out_ordered", ratio(bestBurst, bestOrdered));
                out.put("ratio_replay_to_copy_out_unordered", ratio(bestBurst, bestUnordered));

                final Instant paceStart = Instant.parse("2025-11-03T15:00:00Z");
                out.put("pacing_1x", paced(service, counter, paceStart, paceStart.plusSeconds(pacedSeconds), 1.0));
                out.put("pacing_10x", paced(service, counter, paceStart, paceStart.plusSeconds(120), 10.0));

                System.out.printf(Locale.ROOT, "bench replay: every replay emitted the same stream (checksum %s)%n", checksum);
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s%n", "PostgreSQL COPY out, ORDER BY ts,symbol,seq", rate(bestOrdered));
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s%n", "PostgreSQL COPY out, unordered", rate(bestUnordered));
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s   %.2fx ordered COPY out, %.2fx unordered%n", "replay database -> bus (burst)", rate(bestBurst),
                    bestBurst / bestOrdered, bestBurst / bestUnordered);
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s%n", "replay database -> bus, journaled", rate(max(burstJournaled)));
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s%n", "replay journal -> bus", rate(max(fromJournal)));
                System.out.printf(Locale.ROOT, "  %-46s %14s ticks/s%n", "journal -> all signals -> null sink", rate(max(journalSignals)));
            }
        }
        return out;
    }

    /** Reads the whole window with PostgreSQL's binary COPY, as fast as the client can take it. */
    private double copyOut(final Instant start, final Instant end, final boolean ordered, final long expected) throws Exception
    {
        final String sql = "COPY (SELECT symbol, ts, seq, price, size, bid, ask, bid_size, ask_size FROM tick_data WHERE provider = 'bench' AND ts >= '" +
            start + "' AND ts < '" + end + "'" + (ordered ? " ORDER BY ts, symbol, seq" : "") + ") TO STDOUT (FORMAT binary)";
        try (Connection c = db.connection())
        {
            final long t0 = System.nanoTime();
            final CopyOut op = c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql);
            long rows = -2; // the header and the trailer arrive as messages of their own or with rows; count rows by message
            byte[] message;
            while ((message = op.readFromCopy()) != null)
            {
                rows++;
            }
            final double rate = expected * 1e9 / (System.nanoTime() - t0);
            if (rows < expected - 2 || rows > expected + 2)
            {
                throw new IllegalStateException("COPY out returned " + rows + " rows, expected " + expected);
            }
            return rate;
        }
    }

    private record Result(long runId, double rate, String checksum)
    {
    }

    private static Result replay(final ReplayService service, final Counter counter, final ReplayRequest request, final Boolean journal,
        final long expected) throws Exception
    {
        final ReplayRequest r = journal == null ? request
            : request.withJournal(journal);
        final long before = counter.count;
        final ReplayRun run = service.start(r);
        final ReplayOutcome outcome = run.done().get(10, TimeUnit.MINUTES);
        if (outcome.status() != ReplayOutcome.Status.COMPLETED || outcome.ticks() != expected)
        {
            throw new IllegalStateException("replay " + run.runId() + " " + outcome.status() + " with " + outcome.ticks() + " ticks: " + outcome.errorMessage());
        }
        // the rate counts until the subscriber has every tick, not just until the publisher is done
        while (counter.count - before < expected)
        {
            Thread.onSpinWait();
        }
        return new Result(run.runId(), outcome.ticksPerSecond(), outcome.checksumHex());
    }

    private static Map<String, Object> paced(final ReplayService service, final Counter counter, final Instant start, final Instant end, final double speed)
        throws Exception
    {
        final ReplayRun run = service.start(new ReplayRequest("bench", SYMBOLS, start, end, speed, null, false, List.of("none"), null));
        final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
        final var job = service.jobs().find(run.runId()).orElseThrow();
        @SuppressWarnings("unchecked")
        final Map<String, Object> lag = (Map<String, Object>)job.metadata().get("lag_ms");
        final double expectedSeconds = (outcome.lastTsMicros() - outcome.firstTsMicros()) / 1e6 / speed;
        final double elapsedSeconds = outcome.elapsedNanos() / 1e9;
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("window_seconds", (end.toEpochMilli() - start.toEpochMilli()) / 1000);
        m.put("speed", speed);
        m.put("ticks", outcome.ticks());
        m.put("lag_ms", lag);
        m.put("schedule_seconds", Math.round(expectedSeconds * 1000) / 1000.0);
        m.put("elapsed_seconds", Math.round(elapsedSeconds * 1000) / 1000.0);
        m.put("end_deviation_percent", Math.round((elapsedSeconds - expectedSeconds) / expectedSeconds * 100_000) / 1000.0);
        System.out.printf(Locale.ROOT, "  pacing %.0fx over %ds: %,d ticks, lag p50 %s ms p99 %s ms p99.9 %s ms max %s ms; ended after %.3f s for a %.3f s schedule (%+.3f %%)%n",
            speed, m.get("window_seconds"), outcome.ticks(), lag.get("p50"), lag.get("p99"), lag.get("p99_9"), lag.get("max"), elapsedSeconds,
            expectedSeconds, (elapsedSeconds - expectedSeconds) / expectedSeconds * 100);
        return m;
    }

    /** A bus subscriber that counts what reaches it. */
    private static final class Counter implements BusListener
    {
        volatile long count;
        private long local;

        @Override
        public void onMessage(final BusMessage message, final boolean endOfBatch)
        {
            local++;
            if (endOfBatch)
            {
                count = local;
            }
        }
    }

    private static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    static double max(final List<Double> values)
    {
        return values.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    }

    static double ratio(final double a, final double b)
    {
        return Math.round(a / b * 1000) / 1000.0;
    }

    static List<Long> rounded(final List<Double> values)
    {
        return values.stream().map(Math::round).toList();
    }

}
