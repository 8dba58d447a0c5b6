package io.tickreplay.api.replay;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.engine.replay.ReplayProgress;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The seed's replay metrics, per run, read from the pipeline's counters when scraped (nothing on the
 * hot path): {@code tick_replay_ticks_emitted_total{provider,symbol,run_id}},
 * {@code tick_replay_lag_ms{run_id}}, {@code tick_replay_errors_total{run_id}}. A run's series are
 * removed a while after it ends ({@link #remove}), so they do not grow without bound.
 */
final class ReplayMetrics
{
    private final MeterRegistry registry;
    private final Map<Long, List<Meter>> meters = new ConcurrentHashMap<>();

    ReplayMetrics(final MeterRegistry registry)
    {
        this.registry = registry;
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
                .tags("provider", run.provider(), "symbol", run.symbols().name(i), "run_id", runId)
                .register(registry));
        }
        list.add(Gauge.builder("tick_replay_lag_ms", run, ReplayRun::currentLagMillis)
            .description("Current lag of a paced replay behind its schedule (0 in burst mode)")
            .tags("run_id", runId)
            .register(registry));
        list.add(FunctionCounter.builder("tick_replay_errors", progress, ReplayProgress::errors)
            .description("Replay errors")
            .tags("run_id", runId)
            .register(registry));
        meters.put(run.runId(), list);
    }

    void remove(final ReplayRun run)
    {
        final List<Meter> list = meters.remove(run.runId());
        if (list != null)
        {
            list.forEach(registry::remove);
        }
    }
}
