package io.tickreplay.engine.replay;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A symbol's digest changes with its own ticks only, and warm-up ticks are kept apart from the window's. */
class SymbolDigestsTest
{
    private static SymbolDigests twoSymbols(final double changedPrice, final boolean extraWarmup)
    {
        final SymbolDigests d = new SymbolDigests(2);
        if (extraWarmup)
        {
            d.warmup(0, 500, 0, 99.0, 1, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        d.emitted(0, 1_000, 0, 100.0, 10, 99.5, 100.5, Double.NaN, Double.NaN);
        d.emitted(1, 1_000, 0, 50.0, 5, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        d.emitted(1, 2_000, 0, changedPrice, 5, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        d.emitted(0, 2_000, 1, 100.25, 10, 99.5, 100.5, 3, 4);
        return d;
    }

    @Test
    void aChangedPriceChangesOnlyItsSymbolsChecksum()
    {
        final SymbolDigests a = twoSymbols(50.5, false);
        final SymbolDigests b = twoSymbols(50.75, false);
        assertThat(a.ticks(0)).isEqualTo(2);
        assertThat(a.ticks(1)).isEqualTo(2);
        assertThat(b.checksum(0)).isEqualTo(a.checksum(0));
        assertThat(b.checksum(1)).isNotEqualTo(a.checksum(1)).hasSize(16);
        assertThat(twoSymbols(50.5, false).checksum(1)).as("deterministic").isEqualTo(a.checksum(1));
    }

    @Test
    void warmupTicksAreCountedApartFromTheWindow()
    {
        final SymbolDigests without = twoSymbols(50.5, false);
        final SymbolDigests with = twoSymbols(50.5, true);
        assertThat(with.checksum(0)).isEqualTo(without.checksum(0));
        assertThat(with.ticks(0)).isEqualTo(without.ticks(0));
        assertThat(with.warmupTicks(0)).isEqualTo(1);
        assertThat(without.warmupTicks(0)).isZero();
        assertThat(with.warmupChecksum(0)).isNotEqualTo(without.warmupChecksum(0));
        assertThat(with.warmupChecksum(1)).isEqualTo(without.warmupChecksum(1));
    }
}
