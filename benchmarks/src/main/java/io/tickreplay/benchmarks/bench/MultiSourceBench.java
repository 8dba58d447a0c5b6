package io.tickreplay.benchmarks.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.ReplaySource;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What reading several sources at once costs: one day of six symbols replayed in a burst as one source,
 * and as the same ticks split over three sources (two symbols each, in byte order, so that the merged
 * order (ts, source, symbol, seq) is the one-source order and the checksums must be equal), each read
 * through its own COPY and merged. Without signals and with two signals into the table; after one
 * discarded warm-up run, in rounds whose order alternates (the machine is shared and warms up).
 */
public final class MultiSourceBench
{
    private static final List<String> SYMBOLS = List.of("AAPL", "AMZN", "MSFT", "NVDA", "TSLA", "META");
    private static final List<String> SIGNALS = List.of("vwap_deviation_bps", "spread_bps");
    private static final String PROVIDER = "msbench";

    private final Database db;
    private final Path workDir;
    private final int rounds;

    public MultiSourceBench(final Database db, final Path workDir, final int rounds)
    {
        this.db = db;
        this.workDir = workDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        final long generated = SignalsBench.writeSession(db, PROVIDER, SYMBOLS, 31, ticks);
        final Instant start = Instant.parse("2025-11-03T00:00:00Z");
        final Instant end = Instant.parse("2025-11-04T00:00:00Z");
        BenchSql.execute(db, "VACUUM ANALYZE tick_data");
        final List<String> sorted = SYMBOLS.stream().sorted().toList();
        final List<ReplaySource> split = List.of(new ReplaySource(PROVIDER, sorted.subList(0, 2), null, null),
            new ReplaySource(PROVIDER, sorted.subList(2, 4), null, null), new ReplaySource(PROVIDER, sorted.subList(4, 6), null, null));
        System.out.printf(Locale.ROOT, "bench multisource: %,d ticks of %d symbols; burst replays of one source and of the same ticks as 3 sources, " +
            "without signals and with %s, %d alternating rounds%n", generated, SYMBOLS.size(), String.join(" and ", SIGNALS), rounds);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        out.put("sources", split.stream().map(ReplaySource::describe).toList());
        out.put("order", "one discarded warm-up run per mode, then rounds alternating which goes first");
        out.put("journal", false);
        for (final List<String> signals : List.of(List.<String>of(), SIGNALS))
        {
            final String mode = signals.isEmpty() ? "no_signals" : "signals";
            final ReplayRequest one = ReplayRequest.fromDatabase(PROVIDER, SYMBOLS, start, end, 0.0);
            final ReplayRequest three = ReplayRequest.fromSources(split, start, end, 0.0);
            String checksum = replay(one, signals).checksumHex();
            final List<Double> single = new ArrayList<>();
            final List<Double> multi = new ArrayList<>();
            for (int round = 0; round < rounds; round++)
            {
                for (int i = 0; i < 2; i++)
                {
                    final boolean multiNow = (i + round) % 2 == 1;
                    final ReplayOutcome outcome = replay(multiNow ? three : one, signals);
                    if (!checksum.equals(outcome.checksumHex()))
                    {
                        throw new IllegalStateException("the " + (multiNow ? "3-source" : "1-source") + " replay emitted another stream");
                    }
                    (multiNow ? multi : single).add(outcome.ticksPerSecond());
                    System.out.printf(Locale.ROOT, "  %s round %d: %-9s %,12.0f ticks/s%n", mode, round + 1, multiNow ? "3 sources" : "1 source",
                        outcome.ticksPerSecond());
                }
            }
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("signals", signals);
            m.put("checksum", checksum);
            m.put("one_source_ticks_per_s", single.stream().map(Math::round).toList());
            m.put("three_sources_ticks_per_s", multi.stream().map(Math::round).toList());
            m.put("one_source_median", Math.round(CheckpointBench.median(single)));
            m.put("three_sources_median", Math.round(CheckpointBench.median(multi)));
            final double ratio = Math.round(CheckpointBench.median(multi) / CheckpointBench.median(single) * 1000) / 1000.0;
            m.put("ratio_three_to_one", ratio);
            m.put("goal", ">= 0.8");
            m.put("met", ratio >= 0.8);
            out.put(mode, m);
            System.out.printf(Locale.ROOT, "  %s: 1 source median %,.0f ticks/s, 3 sources %,.0f ticks/s: %.3fx (goal >= 0.8)%n", mode, CheckpointBench.median(single),
                CheckpointBench.median(multi), ratio);
        }
        return out;
    }

    private ReplayOutcome replay(final ReplayRequest request, final List<String> signals) throws Exception
    {
        BenchSql.execute(db, "TRUNCATE signal_rows, bars_ohlcv");
        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(1_000_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(1)
                 .journalDir(workDir.resolve("multisource-journal")).metricsRetentionMinutes(0).shards(2)))
        {
            final ReplayRun run = service.start(request.withSignals(signals.isEmpty() ? List.of("none") : signals).withJournal(false));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            return outcome;
        }
    }
}
