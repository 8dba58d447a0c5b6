package io.tickreplay.engine.synth;

import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SyntheticSessionTest
{
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static List<Tick> generate(final SyntheticSession.Context ctx)
    {
        final List<Tick> ticks = new ArrayList<>();
        new SyntheticSession(ctx).run(t -> ticks.add(new Tick().copyFrom(t)), f -> { });
        return ticks;
    }

    private static SyntheticSession.Context small()
    {
        return new SyntheticSession.Context().symbols(List.of("NVDA", "AAPL")).ticksPerSecond(2.0);
    }

    @Test
    void theSameSeedGivesTheSameTicksAndAnotherSeedOthers()
    {
        final List<Tick> a = generate(small().seed(1));
        final List<Tick> b = generate(small().seed(1));
        final List<Tick> c = generate(small().seed(2));
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++)
        {
            assertThat(a.get(i).toString()).isEqualTo(b.get(i).toString());
        }
        assertThat(c.size() == a.size() && c.get(100).toString().equals(a.get(100).toString())).isFalse();
    }

    @Test
    void aSymbolsTicksDoNotDependOnTheOtherSymbolsGenerated()
    {
        final List<Tick> alone = generate(new SyntheticSession.Context().symbols(List.of("AAPL")).ticksPerSecond(2.0));
        final List<Tick> together = generate(small()).stream().filter(t -> t.symbol.equals("AAPL")).toList();
        assertThat(together).hasSameSizeAs(alone);
        assertThat(together.get(together.size() - 1).toString()).isEqualTo(alone.get(alone.size() - 1).toString());
    }

    @Test
    void ticksComeInPrimaryKeyOrderWithinTradingHoursWithTiesNumberedBySeq()
    {
        final List<Tick> ticks = generate(small().days(2));
        final LocalDate monday = LocalDate.of(2025, 11, 3);
        long ties = 0;
        for (int i = 0; i < ticks.size(); i++)
        {
            final Tick t = ticks.get(i);
            final ZonedDateTime local = Micros.toInstant(t.tsMicros).atZone(NEW_YORK);
            assertThat(local.toLocalDate()).isIn(monday, monday.plusDays(1));
            assertThat(local.toLocalTime()).isBetween(java.time.LocalTime.of(9, 30), java.time.LocalTime.of(15, 59, 59, 999_999_000));
            if (i > 0 && ticks.get(i - 1).symbol.equals(t.symbol))
            {
                final Tick p = ticks.get(i - 1);
                assertThat(t.tsMicros).isGreaterThanOrEqualTo(p.tsMicros);
                assertThat(t.seq).isEqualTo(t.tsMicros == p.tsMicros ? p.seq + 1 : 0);
                ties += t.seq > 0 ? 1 : 0;
            }
        }
        assertThat(ties).as("sweeps share a microsecond").isGreaterThan(100);
    }

    @Test
    void pricesStepInTicksInsideAnOrderedBookWithPositiveSizes()
    {
        for (final Tick t : generate(small()))
        {
            assertThat(t.bid).isLessThan(t.ask);
            assertThat(t.price).isIn(t.bid, t.ask);
            assertThat(Math.abs(t.bid * 100 - Math.round(t.bid * 100))).isLessThan(1e-6);
            assertThat(Math.abs(t.ask * 100 - Math.round(t.ask * 100))).isLessThan(1e-6);
            assertThat(t.size).isGreaterThanOrEqualTo(1).isEqualTo(Math.rint(t.size));
            assertThat(t.bidSize).isGreaterThanOrEqualTo(100);
            assertThat(t.askSize).isGreaterThanOrEqualTo(100);
        }
    }

    @Test
    void activityIsUShapedOverTheDay()
    {
        final List<Tick> ticks = generate(new SyntheticSession.Context().symbols(List.of("MSFT")).ticksPerSecond(5.0));
        final long[] perHalfHour = new long[13];
        for (final Tick t : ticks)
        {
            final ZonedDateTime local = Micros.toInstant(t.tsMicros).atZone(NEW_YORK);
            perHalfHour[(local.getHour() * 60 + local.getMinute() - 570) / 30]++;
        }
        final long noon = perHalfHour[5] + perHalfHour[6];
        assertThat(perHalfHour[0] + perHalfHour[1]).isGreaterThan(2 * noon);
        assertThat(perHalfHour[11] + perHalfHour[12]).isGreaterThan(2 * noon);
        final double expected = new SyntheticSession(new SyntheticSession.Context().symbols(List.of("MSFT")).ticksPerSecond(5.0)).expectedTicks();
        assertThat((double)ticks.size()).isBetween(expected * 0.8, expected * 1.2);
    }

    @Test
    void skipsWeekends()
    {
        final SyntheticSession session = new SyntheticSession(small().startDate(LocalDate.of(2025, 11, 7)).days(2));
        assertThat(session.tradingDays()).containsExactly(LocalDate.of(2025, 11, 7), LocalDate.of(2025, 11, 10));
    }

    @Test
    void refusesAnUnusableContext()
    {
        assertThatThrownBy(() -> small().days(0).conclude()).hasMessageContaining("days");
        assertThatThrownBy(() -> small().ticksPerSecond(Double.NaN).conclude()).hasMessageContaining("rate");
        assertThatThrownBy(() -> small().symbols(List.of()).conclude()).hasMessageContaining("symbols");
        assertThatThrownBy(() -> small().symbols(List.of("A", "A")).conclude()).hasMessageContaining("distinct");
    }
}
