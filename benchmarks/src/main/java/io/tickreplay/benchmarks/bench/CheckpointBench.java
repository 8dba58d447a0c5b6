package io.tickreplay.benchmarks.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What checkpoints cost a burst: the same replay (database -> bus, journal, two signals into the table
 * on two shards, bars) with checkpoints off, every 5 s (the default) and every 250 ms (twenty times as
 * often, to make the cost visible), after one discarded warm-up run, in rounds whose order rotates
 * (the machine speeds up as the JIT and PostgreSQL's cache warm, and is shared: drift must hit each
 * setting alike). Every run must end with the same checksum.
 */
public final class CheckpointBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
    private static final List<String> SIGNALS = List.of("vwap_deviation_bps", "spread_bps");
    private static final List<Duration> INTERVALS = List.of(Duration.ZERO, Duration.ofSeconds(5), Duration.ofMillis(250));

    private final Database db;
    private final Path workDir;
    private final int rounds;

    public CheckpointBench(final Database db, final Path workDir, final int rounds)
    {
        this.db = db;
        this.workDir = workDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        final long generated = SignalsBench.writeSession(db, "cpbench", SYMBOLS, 23, ticks);
        final Instant start = Instant.parse("2025-11-03T00:00:00Z");
        final Instant end = Instant.parse("2025-11-04T00:00:00Z");
        BenchSql.execute(db, "VACUUM ANALYZE tick_data");
        System.out.printf(Locale.ROOT, "bench checkpoint: %,d ticks of %d symbols; burst replays journaling and persisting %s, " +
            "checkpoints off / every 5 s / every 250 ms, %d interleaved rounds%n", generated, SYMBOLS.size(), String.join(" and ", SIGNALS), rounds);
        final Map<Duration, List<Double>> rates = new LinkedHashMap<>();
        final Map<Duration, Long> taken = new LinkedHashMap<>();
        BenchSql.execute(db, "TRUNCATE signal_rows, bars_ohlcv, replay_checkpoints");
        String checksum = replay(Duration.ZERO, start, end).checksumHex();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < INTERVALS.size(); i++)
            {
                final Duration interval = INTERVALS.get((i + round) % INTERVALS.size());
                BenchSql.execute(db, "TRUNCATE signal_rows, bars_ohlcv, replay_checkpoints");
                BenchSql.execute(db, "CHECKPOINT");
                final ReplayOutcome outcome = replay(interval, start, end);
                if (!checksum.equals(outcome.checksumHex()))
                {
                    throw new IllegalStateException("the replay with checkpoints every " + interval + " emitted another stream");
                }
                checksum = outcome.checksumHex();
                rates.computeIfAbsent(interval, k -> new ArrayList<>()).add(outcome.ticksPerSecond());
                taken.put(interval, BenchSql.count(db, "SELECT count(*) FROM replay_checkpoints"));
                System.out.printf(Locale.ROOT, "  round %d, checkpoints %-8s %,12.0f ticks/s%n", round + 1, name(interval), outcome.ticksPerSecond());
            }
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        out.put("signals", SIGNALS);
        out.put("rounds", rounds);
        out.put("order", "one discarded warm-up run, then each round rotates the order of off, 5s, 250ms");
        final double off = median(rates.get(Duration.ZERO));
        for (final Duration interval : INTERVALS)
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("ticks_per_s", rates.get(interval).stream().map(Math::round).toList());
            m.put("median_ticks_per_s", Math.round(median(rates.get(interval))));
            m.put("best_ticks_per_s", Math.round(rates.get(interval).stream().mapToDouble(Double::doubleValue).max().orElse(0)));
            m.put("cost_vs_off_percent", Math.round((1 - median(rates.get(interval)) / off) * 1000) / 10.0);
            m.put("checkpoint_rows", taken.get(interval));
            out.put(name(interval), m);
            System.out.printf(Locale.ROOT, "  checkpoints %-8s median %,12.0f ticks/s, cost %5.1f %%%n", name(interval), median(rates.get(interval)),
                (1 - median(rates.get(interval)) / off) * 100);
        }
        return out;
    }

    private ReplayOutcome replay(final Duration interval, final Instant start, final Instant end) throws Exception
    {
        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(1_000_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(1)
                 .journalDir(workDir.resolve("checkpoint-journal")).metricsRetentionMinutes(0).shards(2).checkpointInterval(interval)))
        {
            final ReplayRun run = service.start(ReplayRequest.fromDatabase("cpbench", SYMBOLS, start, end, 0.0).withSignals(SIGNALS));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            return outcome;
        }
    }

    private static String name(final Duration interval)
    {
        return interval.isZero() ? "off" : interval.toMillis() % 1000 == 0 ? interval.toSeconds() + "s" : interval.toMillis() + "ms";
    }

    static double median(final List<Double> values)
    {
        final List<Double> sorted = new ArrayList<>(values);
        sorted.sort(Double::compare);
        final int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
