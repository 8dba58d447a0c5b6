package io.tickreplay.api.replay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.adapters.postgres.ModelScoreWriter;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.topology.ReplayTopology;
import io.tickreplay.engine.topology.RunErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The seed's replay metrics, per run, read from the pipeline's counters when scraped (nothing on the
 * hot path): {@code tick_replay_ticks_emitted_total{provider,symbol,run_id}},
 * {@code tick_replay_lag_ms{run_id}}, {@code tick_replay_errors_total{run_id}}. A run's series are
 * removed a while after it ends ({@link #remove}), so they do not grow without bound. Across runs:
 * {@code tickreplay_stage_latency_seconds{stage}} and {@code tickreplay_stage_errors_total{stage,kind}}.
 */
final class ReplayMetrics
{
    private static final Logger LOG = LoggerFactory.getLogger(ReplayMetrics.class);
    private final MeterRegistry registry;
    private final Map<Long, List<Meter>> meters = new ConcurrentHashMap<>();

    ReplayMetrics(final MeterRegistry registry)
    {
        this.registry = registry;
    }

    private final Map<String, io.micrometer.core.instrument.Timer> stageTimers = new ConcurrentHashMap<>();
    private final Map<Long, List<Object>> keep = new ConcurrentHashMap<>();
    private final Map<Long, List<RunGauge>> live = new ConcurrentHashMap<>();

    /**
     * What a run's gauge reads: the live run until it ends, then its last value. Once released it no
     * longer holds the run's rings, journal or topology, which would otherwise stay on the heap for as
     * long as the ended run's series are kept (minutes: eight ended burst runs held 200 MB that way).
     */
    private static final class RunGauge
    {
        private volatile DoubleSupplier source;
        private volatile double last;

        RunGauge(final DoubleSupplier source)
        {
            this.source = source;
        }

        double value()
        {
            final DoubleSupplier s = source;
            if (s != null)
            {
                last = s.getAsDouble();
            }
            return last;
        }

        void release()
        {
            value();
            source = null;
        }
    }

    private RunGauge gauge(final long runId, final DoubleSupplier source)
    {
        final RunGauge gauge = new RunGauge(source);
        live.computeIfAbsent(runId, k -> new CopyOnWriteArrayList<>()).add(gauge);
        // Micrometer holds a gauge's object weakly: the gauge lives as long as the run's series do
        keep.computeIfAbsent(runId, k -> new CopyOnWriteArrayList<>()).add(gauge);
        return gauge;
    }

    /** Bounded buckets for per-stage latency: 1 us to 1 s by decades. */
    private static final Duration[] LATENCY_BUCKETS = {
        Duration.ofNanos(1_000), Duration.ofNanos(10_000), Duration.ofNanos(100_000), Duration.ofMillis(1),
        Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1)};

    /**
     * {@code tickreplay_stage_latency_seconds{stage}}: how long after its emission a stage after the
     * pacer had handled a tick (sampled, one in 64), as a histogram of fixed buckets; one series per
     * stage name, whatever the number of runs.
     */
    ReplayTopology.StageLatency stageLatency()
    {
        return (stage, nanos) -> stageTimers.computeIfAbsent(stage, n -> io.micrometer.core.instrument.Timer.builder("tickreplay_stage_latency")
            .description("Time from a tick's emission to a stage after the pacer having handled it (sampled 1 in 64)")
            .tag("stage", n).serviceLevelObjectives(LATENCY_BUCKETS).register(registry)).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /**
     * A run's engine internals: free slots per ring ({@code tickreplay_ring_remaining{run_id,ring}}, the
     * ticks ring and each shard's signals ring) and the bytes its journal took.
     */
    void registerInternals(final long run, final Map<String, LongSupplier> rings, final LongSupplier journalBytes)
    {
        final String runId = String.valueOf(run);
        final List<Meter> list = meters.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>());
        for (final Map.Entry<String, LongSupplier> ring : rings.entrySet())
        {
            final LongSupplier remaining = ring.getValue();
            list.add(Gauge.builder("tickreplay_ring_remaining", gauge(run, remaining::getAsLong), RunGauge::value)
                .description("Free slots in a ring of a replay (a ring near 0 is the bottleneck's input)")
                .tags("run_id", runId, "ring", ring.getKey()).register(registry));
        }
        if (journalBytes != null)
        {
            list.add(FunctionCounter.builder("tickreplay_journal_bytes", gauge(run, journalBytes::getAsLong), RunGauge::value)
                .description("Bytes a replay wrote to its journal").baseUnit("bytes").tags("run_id", runId).register(registry));
        }
    }

    /**
     * A run's models (docs/models.md, "Scores"): {@code model_ic}, {@code model_hit_rate} and {@code model_mse}
     * {@code {model,symbol,run_id}}, each (model, symbol)'s latest rolling score; {@code model_predictions_total}
     * and {@code model_inference_seconds} (count and sum) {@code {model,run_id}}. Kept, with their last values,
     * as long as the run's other series.
     */
    void registerModels(final long run, final List<String> models, final SymbolTable symbols, final String provider, final ModelScoreWriter scores)
    {
        final String runId = String.valueOf(run);
        final List<Meter> list = meters.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>());
        keep.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>()).add(scores);
        final String[] names = {"model_ic", "model_hit_rate", "model_mse"};
        final String[] descriptions = {"Rolling information coefficient (Pearson correlation of predictions and realized returns) of a model",
            "Rolling share of predictions with the sign of the realized return", "Rolling mean squared error of a model's predictions"};
        for (int m = 0; m < models.size(); m++)
        {
            final int model = m;
            for (int s = 0; s < symbols.size(); s++)
            {
                final int symbol = s;
                for (int k = 0; k < names.length; k++)
                {
                    final int metric = k;
                    list.add(Gauge.builder(names[k], scores, w -> w.latest(model, symbol, metric)).description(descriptions[k])
                        .tags("model", models.get(m), "symbol", symbols.name(s), "provider", symbols.provider(s, provider), "run_id", runId)
                        .register(registry));
                }
            }
            list.add(FunctionCounter.builder("model_predictions", scores, w -> w.predictions(model)).description("Predictions a model made")
                .tags("model", models.get(m), "run_id", runId).register(registry));
            list.add(FunctionTimer.builder("model_inference", scores, w -> w.predictions(model), w -> w.inferenceNanos(model), TimeUnit.NANOSECONDS)
                .description("Time a model took per prediction").tags("model", models.get(m), "run_id", runId).register(registry));
        }
    }

    /**
     * {@code tickreplay_stage_errors_total{stage,kind}}: every error a run's stage met (the run fails at
     * the first), by stage and the class of its root cause; logged with the run's id.
     */
    RunErrors.Listener stageErrors(final long runId)
    {
        return (stage, kind, error) ->
        {
            Counter.builder("tickreplay_stage_errors").description("Errors of a replay's stages, by stage and the class of the root cause")
                .tags("stage", stage.replaceAll("-[0-9]+$", ""), "kind", kind).register(registry).increment();
            LOG.warn("replay {}: stage {} failed ({}): {}", runId, stage, kind, error.getMessage());
        };
    }

    void register(final ReplayRun run)
    {
        final String runId = String.valueOf(run.runId());
        final ReplayProgress progress = run.progress();
        final List<Meter> list = new ArrayList<>();
        for (int i = 0; i < run.symbols().size(); i++)
        {
            final int symbolId = i;
            list.add(FunctionCounter.builder("tick_replay_ticks_emitted", progress, p -> p.emitted(symbolId))
                .description("Ticks a replay has emitted to the bus")
                .tags("provider", run.symbols().provider(i, run.provider()), "symbol", run.symbols().name(i), "run_id", runId)
                .register(registry));
        }
        list.add(Gauge.builder("tick_replay_lag_ms", gauge(run.runId(), run::currentLagMillis), RunGauge::value)
            .description("Current lag of a paced replay behind its schedule (0 in burst mode)")
            .tags("run_id", runId)
            .register(registry));
        list.add(FunctionCounter.builder("tick_replay_errors", progress, ReplayProgress::errors)
            .description("Replay errors")
            .tags("run_id", runId)
            .register(registry));
        meters.computeIfAbsent(run.runId(), k -> new CopyOnWriteArrayList<>()).addAll(list);
        keep.computeIfAbsent(run.runId(), k -> new CopyOnWriteArrayList<>()).add(progress); // small: its counters outlive the run
    }

    /** The run has ended: its series keep their last values and let go of the run. */
    void ended(final long runId)
    {
        final List<RunGauge> gauges = live.remove(runId);
        if (gauges != null)
        {
            gauges.forEach(RunGauge::release);
        }
    }

    void remove(final long runId)
    {
        ended(runId);
        keep.remove(runId);
        final List<Meter> list = meters.remove(runId);
        if (list != null)
        {
            list.forEach(registry::remove);
        }
    }
}
