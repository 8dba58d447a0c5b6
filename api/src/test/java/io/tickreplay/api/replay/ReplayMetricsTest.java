package io.tickreplay.api.replay;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An ended run's series are kept for minutes (so a scrape sees how it ended), but they must not keep
 * the run's rings on the heap: eight ended burst runs held 200 MB of a 256 MB serve that way, and the
 * next run could not allocate its first batch.
 */
class ReplayMetricsTest
{
    @Test
    void anEndedRunsGaugesKeepTheirLastValueAndLetGoOfItsRings()
    {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final ReplayMetrics metrics = new ReplayMetrics(registry);
        final WeakReference<long[]> ring = register(metrics, 7);

        assertThat(registry.get("tickreplay_ring_remaining").tag("run_id", "7").gauge().value()).isEqualTo(42.0);
        metrics.ended(7);
        collect(ring);

        assertThat(ring.get()).as("the ended run's ring is no longer reachable from its gauges").isNull();
        assertThat(registry.get("tickreplay_ring_remaining").tag("run_id", "7").gauge().value()).as("the last value stays").isEqualTo(42.0);
        assertThat(registry.get("tickreplay_journal_bytes").tag("run_id", "7").functionCounter().count()).isEqualTo(1_000.0);

        metrics.remove(7);
        assertThat(registry.find("tickreplay_ring_remaining").tag("run_id", "7").gauge()).as("removed later").isNull();
    }

    @Test
    void aRunningRunsGaugesReadItLive()
    {
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final ReplayMetrics metrics = new ReplayMetrics(registry);
        final long[] ring = new long[] {5};
        metrics.registerInternals(3, Map.of("ticks", () -> ring[0]), null);
        assertThat(registry.get("tickreplay_ring_remaining").tag("run_id", "3").gauge().value()).isEqualTo(5.0);
        ring[0] = 9;
        assertThat(registry.get("tickreplay_ring_remaining").tag("run_id", "3").gauge().value()).isEqualTo(9.0);
    }

    /** A large ring that only the registered suppliers reference. */
    private static WeakReference<long[]> register(final ReplayMetrics metrics, final long runId)
    {
        final long[] ring = new long[8 << 20];
        ring[0] = 42;
        final LongSupplier remaining = () -> ring[0];
        final LongSupplier journal = () -> ring.length > 0 ? 1_000 : 0;
        metrics.registerInternals(runId, Map.of("ticks", remaining), journal);
        return new WeakReference<>(ring);
    }

    private static void collect(final WeakReference<?> ref)
    {
        for (int i = 0; i < 50 && ref.get() != null; i++)
        {
            System.gc();
            Thread.onSpinWait();
        }
    }
}
