package io.tickreplay.api.replay;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalWriteListener;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The seed's signal metrics, one series per signal name across all runs:
 * {@code signals_written_total{name}}, {@code signals_write_failures_total{name}} and
 * {@code signals_compute_duration_seconds{name}} with quantiles 0.5, 0.9, 0.99 (from the calculators'
 * sampled timings: one tick in 1024). Thread-safe.
 */
final class SignalMetrics
{
    private final MeterRegistry registry;
    private final Map<String, Counter> written = new ConcurrentHashMap<>();
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Map<String, Timer> compute = new ConcurrentHashMap<>();

    SignalMetrics(final MeterRegistry registry)
    {
        this.registry = registry;
        // every series exists at 0 from the start, so rate(signals_write_failures_total[1m]) is 0, not "no data"
        for (final String name : SignalSet.REGISTRY.keySet())
        {
            written(name, 0);
            failureCounter(name);
        }
    }

    private Counter failureCounter(final String name)
    {
        return failures.computeIfAbsent(name, n -> Counter.builder("signals_write_failures").description("Signal batches that failed to write")
            .tag("name", n).register(registry));
    }

    void written(final String name, final long rows)
    {
        written.computeIfAbsent(name, n -> Counter.builder("signals_written").description("Signal rows written").tag("name", n).register(registry))
            .increment(rows);
    }

    void failed(final String name)
    {
        failureCounter(name).increment();
    }

    private io.micrometer.core.instrument.DistributionSummary batches;

    /** {@code tickreplay_signal_writer_batch_rows}: rows per committed writer batch, in fixed buckets. */
    synchronized void batch(final long rows)
    {
        if (batches == null)
        {
            batches = io.micrometer.core.instrument.DistributionSummary.builder("tickreplay_signal_writer_batch_rows")
                .description("Rows per batch a signals writer committed").serviceLevelObjectives(200, 1_000, 5_000, 20_000, 65_536).register(registry);
        }
        batches.record(rows);
    }

    void computed(final String name, final long nanos)
    {
        compute.computeIfAbsent(name, n -> Timer.builder("signals_compute_duration").description("Time to compute one value of a signal (sampled)")
            .tag("name", n).publishPercentiles(0.5, 0.9, 0.99).distributionStatisticExpiry(Duration.ofMinutes(2)).register(registry))
            .record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Sampled compute times into {@code signals_compute_duration}; {@code names} maps the run's signal ids to names. */
    SignalSet.Timings timings(final List<String> names)
    {
        return (signalId, nanos) -> computed(names.get(signalId), nanos);
    }

    /** A writer listener that counts into these metrics; {@code names} maps the writer's signal ids to names. */
    SignalWriteListener listener(final List<String> names)
    {
        return new SignalWriteListener()
        {
            @Override
            public void committed(final int signalId, final long rows)
            {
                written(names.get(signalId), rows);
            }

            @Override
            public void failed(final int signalId)
            {
                SignalMetrics.this.failed(names.get(signalId));
            }

            @Override
            public void batch(final int rows)
            {
                SignalMetrics.this.batch(rows);
            }
        };
    }
}
