package io.tickreplay.api.replay;

import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.engine.replay.SymbolTable;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A run's heap is sized from the heap the JVM has: its COPY chunk shrinks to fit its share, and a run that cannot fit is refused, naming the limit. */
class RunMemoryTest
{
    private static final long MB = 1L << 20;

    private static ReplayPlan plan(final List<String> signals, final String bus)
    {
        return new ReplayPlan("ibkr", List.of("NVDA"), new SymbolTable(List.of("NVDA")), Instant.parse("2025-11-03T14:30:00Z"),
            Instant.parse("2025-11-03T21:00:00Z"), 0, null, true, signals, 0, "postgres",
            bus.equals("kafka") ? BusSpec.inProcess().with("kafka", "localhost:9092", "t") : BusSpec.inProcess(), null, null);
    }

    @Test
    void theShareIsTheHeapLessAQuarterOverTheRuns()
    {
        assertThat(RunMemory.share(1024 * MB, 4)).isEqualTo(192 * MB);
        assertThat(RunMemory.share(256 * MB, 4)).isEqualTo(48 * MB);
        assertThat(RunMemory.share(64 * MB, 1)).as("the replay command's one run").isEqualTo(48 * MB);
    }

    @Test
    void aRunsChunkShrinksToItsShareAndItsPartsStayWithinIt()
    {
        final ReplayService.Context config = new ReplayService.Context().conclude();
        final RunMemory roomy = RunMemory.of(plan(List.of("vwap_deviation_bps", "spread_bps"), "inproc"), config, 1024 * MB);
        assertThat(roomy.chunkRows()).as("the setting, when it fits").isEqualTo(262_144);
        final RunMemory tight = RunMemory.of(plan(List.of("vwap_deviation_bps", "spread_bps"), "inproc"), config, 48 * MB);
        assertThat(tight.chunkRows()).isLessThan(262_144).isGreaterThanOrEqualTo(RunMemory.MIN_CHUNK_ROWS);
        assertThat(tight.total()).isLessThanOrEqualTo(48 * MB);
        assertThat(tight.parts()).containsKeys("ticks ring", "source batches", "signals rings", "signal writers", "bars", "COPY chunk");
    }

    @Test
    void aRunThatCannotFitIsRefusedNamingTheLimit()
    {
        final ReplayService.Context config = new ReplayService.Context().conclude();
        assertThatThrownBy(() -> RunMemory.of(plan(List.of("all"), "kafka"), config, 48 * MB)).isInstanceOf(ReplayLimitException.class)
            .hasMessageContaining("a replay would hold about").hasMessageContaining("bus 64 MB").hasMessageContaining("replay.max-concurrent = 4")
            .hasMessageContaining("-Xmx");
    }
}
