package io.tickreplay.benchmarks.bench;

import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.synth.SyntheticFeed;
import io.tickreplay.engine.topology.ReplayTopology;
import io.tickreplay.engine.tick.Tick;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Per-tick latency through the in-memory pipeline, built by {@link ReplayTopology} in SHARED and in
 * DEDICATED mode, at an offered load: a source hands ticks to the ticks ring at {@code offered}
 * ticks/s (on schedule; it parks, never spins), the pacer/bus publisher emits them (burst: no pacing
 * delay) to a bus that drops them, and two calculator shards compute the four per-tick signals and
 * hand the values on through their signals rings to writer threads that drop them. Each tick of a
 * shard's symbols is timed, in an HdrHistogram, from its publication into the ticks ring to its
 * values being in the signals ring.
 * A first pass of the same length, unmeasured, warms the JIT. Latency counts from the tick's
 * publication into the ring: a source that falls behind its schedule is not charged to the stages.
 */
public final class LatencyBench
{
    private static final List<String> SYMBOLS = List.of("S0", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "S8", "S9");
    private static final List<String> SIGNALS = List.of("vwap_deviation_bps", "spread_bps", "tick_rate_zscore", "book_imbalance");

    private final Path hgrmDir;
    private final String waitStrategy;

    public LatencyBench(final Path hgrmDir, final String waitStrategy)
    {
        this.hgrmDir = hgrmDir;
        this.waitStrategy = waitStrategy;
    }

    /** Runs the bench in SHARED mode (the goal's) and in DEDICATED mode, side by side; "signals" is the SHARED figure. */
    public Map<String, Object> run(final long ticks, final double offered) throws Exception
    {
        Files.createDirectories(hgrmDir);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", ticks);
        out.put("offered_ticks_per_s", Math.round(offered));
        out.put("wait_strategy", waitStrategy);
        System.out.printf(Locale.ROOT, "bench latency: %,d ticks offered at %,.0f ticks/s through the in-memory pipeline (2 shards, 4 per-tick signals, %s)%n",
            ticks, offered, waitStrategy);
        System.out.printf(Locale.ROOT, "  %-62s %9s %9s %9s %9s%n", "from publication into the ticks ring to", "p50 us", "p99 us", "p99.9 us", "max us");
        for (final ReplayTopology.ThreadingMode mode : List.of(ReplayTopology.ThreadingMode.SHARED, ReplayTopology.ThreadingMode.DEDICATED))
        {
            pass(ticks, offered, mode);  // warm-up, not measured
            final Histogram h = pass(ticks, offered, mode);
            final String name = mode.name().toLowerCase(Locale.ROOT);
            final Map<String, Object> stage = new LinkedHashMap<>();
            stage.put("threading_mode", name);
            stage.put("count", h.getTotalCount());
            stage.put("p50_us", h.getValueAtPercentile(50) / 1e3);
            stage.put("p99_us", h.getValueAtPercentile(99) / 1e3);
            stage.put("p99_9_us", h.getValueAtPercentile(99.9) / 1e3);
            stage.put("max_us", h.getMaxValue() / 1e3);
            final Path file = hgrmDir.resolve("latency-signals-" + name + ".hgrm");
            try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, "UTF-8"))
            {
                h.outputPercentileDistribution(ps, 1000.0); // in microseconds
            }
            stage.put("hgrm", file.toString());
            out.put(mode == ReplayTopology.ThreadingMode.SHARED ? "signals" : "signals_dedicated", stage);
            System.out.printf(Locale.ROOT, "  %-62s %9.2f %9.2f %9.2f %9.2f%n", "signals computed and handed to the writer ring (" + name + ")",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
        }
        System.out.println("  histograms (microseconds, HdrHistogram .hgrm, plot at hdrhistogram.github.io/HdrHistogram/plotFiles.html): " + hgrmDir);
        return out;
    }

    /** One run; every tick of a shard's symbols timed from its publication into the ticks ring to its values in the signals ring. */
    private Histogram pass(final long ticks, final double offered, final ReplayTopology.ThreadingMode mode) throws Exception
    {
        final SymbolTable table = new SymbolTable(SYMBOLS);
        final Map<String, Histogram> byStage = new ConcurrentHashMap<>();
        final TickBus nowhere = m -> { };
        final List<SignalSink> dropping = List.of(SignalSink.dropping(), SignalSink.dropping()); // not DISCARD: each gets its ring and writer thread
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(new OfferedSource(table, ticks, offered), table).run("lat", 1)
            .bus(nowhere).signals(SIGNALS, dropping).threadingMode(mode).cores(64).ticksRingSize(1 << 14).batchSize(64)
            .waitStrategy(waitStrategy).threadName("latency").latencySampleMask(0)
            // in burst a tick's emission is its publication into the ring: the stage latency counts from there
            .stageLatency((stage, nanos) -> byStage.computeIfAbsent(stage, n -> new Histogram(TimeUnit.SECONDS.toNanos(10), 3))
                .recordValue(Math.max(0, Math.min(nanos, TimeUnit.SECONDS.toNanos(10)))));
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(ctx))
        {
            topology.start();
            outcome = topology.awaitCompletion(10, TimeUnit.MINUTES);
        }
        if (outcome == null || outcome.status() != ReplayOutcome.Status.COMPLETED)
        {
            throw new IllegalStateException("the latency pipeline did not complete: " + (outcome == null ? "timeout" : outcome.errorMessage()));
        }
        final Histogram signals = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        byStage.forEach((stage, h) ->
        {
            if (stage.startsWith("signals-"))
            {
                signals.add(h);
            }
        });
        return signals;
    }

    /** Ticks of a synthetic feed handed over on a fixed schedule: tick i is due {@code i / offered} seconds after the start. */
    private static final class OfferedSource implements TickBatchSource
    {
        private static final long DAY_MICROS = 1_762_128_000_000_000L; // 2025-11-03T00:00:00Z
        private final SyntheticFeed feed;
        private final SymbolTable table;
        private final long ticks;
        private final double nanosPerTick;
        private final Tick tick = new Tick();
        private long sent;
        private long startNanos;
        private volatile boolean cancelled;

        OfferedSource(final SymbolTable table, final long ticks, final double offered)
        {
            this.feed = new SyntheticFeed("lat", SYMBOLS, 1_000, 5);
            this.table = table;
            this.ticks = ticks;
            this.nanosPerTick = 1e9 / offered;
        }

        @Override
        public boolean next(final TickBatch batch)
        {
            if (startNanos == 0)
            {
                startNanos = System.nanoTime();
            }
            if (sent >= ticks || cancelled)
            {
                return false;
            }
            // wait for the next tick's due time, then hand over every tick due by now (at most a batch)
            final long due = startNanos + (long)(sent * nanosPerTick);
            long now;
            while ((now = System.nanoTime()) < due)
            {
                LockSupport.parkNanos(due - now); // no spinning: on two cores a spinning source would starve the stages it feeds
            }
            while (sent < ticks && !batch.full() && startNanos + (long)(sent * nanosPerTick) <= now)
            {
                feed.next(tick);
                batch.add(table.id(tick.symbol), DAY_MICROS + tick.tsMicros, 0, tick.price, tick.size, tick.bid, tick.ask, tick.bidSize, tick.askSize);
                sent++;
            }
            return true;
        }

        @Override
        public void cancel()
        {
            cancelled = true;
        }

        @Override
        public void close()
        {
        }
    }
}
