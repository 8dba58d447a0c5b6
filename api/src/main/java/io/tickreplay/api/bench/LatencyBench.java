package io.tickreplay.api.bench;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.BusPublishStage;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayPipeline;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.signals.LastPerTimestamp;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.synth.SyntheticFeed;
import io.tickreplay.engine.tick.Tick;
import org.HdrHistogram.Histogram;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Per-tick latency through the in-memory pipeline at an offered load: a source hands ticks to the
 * ticks ring at {@code offered} ticks/s (on schedule; it parks, never spins), the pacer/bus publisher emits them (burst: no pacing delay) to a bus that drops them,
 * and two calculator shards compute the four per-tick signals and hand the values on through their
 * signals rings to writers that drop them. Each tick's latency from its publication into the ring
 * is recorded, per stage, in an HdrHistogram: {@code emitted} (the bus publisher has it out) and
 * {@code signals} (its shard has computed its values and handed them on towards the writer).
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

    public Map<String, Object> run(final long ticks, final double offered) throws Exception
    {
        pass(ticks, offered);  // warm-up, not measured
        final Map<String, Histogram> stages = pass(ticks, offered);
        Files.createDirectories(hgrmDir);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", ticks);
        out.put("offered_ticks_per_s", Math.round(offered));
        out.put("wait_strategy", waitStrategy);
        System.out.printf(Locale.ROOT, "bench latency: %,d ticks offered at %,.0f ticks/s through the in-memory pipeline (2 shards, 4 per-tick signals, %s)%n",
            ticks, offered, waitStrategy);
        System.out.printf(Locale.ROOT, "  %-44s %9s %9s %9s %9s%n", "from publication into the ticks ring to", "p50 us", "p99 us", "p99.9 us", "max us");
        for (final Map.Entry<String, Histogram> e : stages.entrySet())
        {
            final Histogram h = e.getValue();
            final Map<String, Object> stage = new LinkedHashMap<>();
            stage.put("count", h.getTotalCount());
            stage.put("p50_us", h.getValueAtPercentile(50) / 1e3);
            stage.put("p99_us", h.getValueAtPercentile(99) / 1e3);
            stage.put("p99_9_us", h.getValueAtPercentile(99.9) / 1e3);
            stage.put("max_us", h.getMaxValue() / 1e3);
            final Path file = hgrmDir.resolve("latency-" + e.getKey() + ".hgrm");
            try (PrintStream ps = new PrintStream(Files.newOutputStream(file), false, "UTF-8"))
            {
                h.outputPercentileDistribution(ps, 1000.0); // in microseconds
            }
            stage.put("hgrm", file.toString());
            out.put(e.getKey(), stage);
            System.out.printf(Locale.ROOT, "  %-44s %9.2f %9.2f %9.2f %9.2f%n", describe(e.getKey()), h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3);
        }
        System.out.println("  histograms (microseconds, HdrHistogram .hgrm, plot at hdrhistogram.github.io/HdrHistogram/plotFiles.html): " + hgrmDir);
        return out;
    }

    private static String describe(final String stage)
    {
        return stage.equals("emitted") ? "emitted to the bus (seen by the next stage)" : "signals computed and handed to the writer ring";
    }

    private Map<String, Histogram> pass(final long ticks, final double offered) throws Exception
    {
        final SymbolTable table = new SymbolTable(SYMBOLS);
        final Histogram emitted = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final int shards = 2;
        final List<Histogram> computed = new ArrayList<>();
        final List<SignalRing> rings = new ArrayList<>();
        final List<ReplayPipeline.Stage> stages = new ArrayList<>();
        stages.add(new ReplayPipeline.Stage("probe", (EventHandler<TickEvent>)(e, sequence, endOfBatch) ->
        {
            if (e.type == TickEvent.TICK)
            {
                emitted.recordValue(Math.max(0, System.nanoTime() - e.publishedNanos));
            }
        }));
        for (int shard = 0; shard < shards; shard++)
        {
            final SignalSet set = SignalSet.of(SIGNALS, table.size());
            final SignalRing ring = new SignalRing("latency-writer-" + shard, 16_384, "backoff", SignalShardStage.Sink.DISCARD);
            rings.add(ring);
            final SignalShardStage stage = new SignalShardStage(shard, shards, set, new LastPerTimestamp(set.calculators().size(), table.size(), ring));
            final Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            computed.add(h);
            final int mask = shards - 1;
            final int own = shard;
            stages.add(new ReplayPipeline.Stage("signals-" + shard, (EventHandler<TickEvent>)(e, sequence, endOfBatch) ->
            {
                stage.onEvent(e, sequence, endOfBatch);
                if (e.type == TickEvent.TICK && (e.symbolId & mask) == own)
                {
                    h.recordValue(Math.max(0, System.nanoTime() - e.publishedNanos));
                }
            }));
        }
        final TickBus nowhere = m -> { };
        final ReplayPipeline pipeline = new ReplayPipeline(new ReplayPipeline.Context().ringSize(1 << 14).waitStrategy(waitStrategy).batchSize(64)
            .threadName("latency"), new OfferedSource(table, ticks, offered), new ReplayControl(0.0), new BusPublishStage(nowhere, "lat", 1, table,
            new ReplayProgress(table.size())), stages);
        pipeline.start();
        final ReplayOutcome outcome = pipeline.awaitCompletion(10, TimeUnit.MINUTES);
        rings.forEach(SignalRing::close);
        if (outcome == null || outcome.status() != ReplayOutcome.Status.COMPLETED)
        {
            throw new IllegalStateException("the latency pipeline did not complete: " + (outcome == null ? "timeout" : outcome.errorMessage()));
        }
        final Histogram signals = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        computed.forEach(signals::add);
        final Map<String, Histogram> out = new LinkedHashMap<>();
        out.put("emitted", emitted);
        out.put("signals", signals);
        return out;
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
