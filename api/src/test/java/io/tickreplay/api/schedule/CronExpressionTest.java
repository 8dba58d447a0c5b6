package io.tickreplay.api.schedule;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CronExpressionTest
{
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    private static List<Instant> fires(final String cron, final ZoneId zone, final Instant after, final int n)
    {
        final CronExpression c = CronExpression.parse(cron);
        final List<Instant> out = new ArrayList<>();
        Instant t = after;
        for (int i = 0; i < n; i++)
        {
            t = c.next(t, zone);
            out.add(t);
        }
        return out;
    }

    private static Instant at(final String iso)
    {
        return Instant.parse(iso);
    }

    @Test
    void weekdaysAtTenPmInNewYorkSkipTheWeekendAndFollowTheZonesOffset()
    {
        // Friday 2025-10-31 noon in New York (EDT), then the clocks go back on Sunday 2025-11-02
        assertThat(fires("0 22 * * 1-5", NEW_YORK, at("2025-10-31T16:00:00Z"), 3)).containsExactly(
            at("2025-11-01T02:00:00Z"),  // Friday 22:00 EDT
            at("2025-11-04T03:00:00Z"),  // Monday 22:00 EST
            at("2025-11-05T03:00:00Z"));
    }

    @Test
    void stepsRangesAndListsFireAtEveryListedMinute()
    {
        assertThat(fires("*/15 * * * *", ZoneOffset.UTC, at("2025-11-03T10:07:30Z"), 3))
            .containsExactly(at("2025-11-03T10:15:00Z"), at("2025-11-03T10:30:00Z"), at("2025-11-03T10:45:00Z"));
        assertThat(fires("5/20 9-17/4 * * *", ZoneOffset.UTC, at("2025-11-03T00:00:00Z"), 4))
            .containsExactly(at("2025-11-03T09:05:00Z"), at("2025-11-03T09:25:00Z"), at("2025-11-03T09:45:00Z"), at("2025-11-03T13:05:00Z"));
        assertThat(fires("0,30 8 1,15 * *", ZoneOffset.UTC, at("2025-11-01T08:00:00Z"), 3))
            .containsExactly(at("2025-11-01T08:30:00Z"), at("2025-11-15T08:00:00Z"), at("2025-11-15T08:30:00Z"));
    }

    @Test
    void aRestrictedDayOfMonthAndDayOfWeekFireOnEitherAsVixieCronDoes()
    {
        // the 13th, or any Friday
        assertThat(fires("0 0 13 * 5", ZoneOffset.UTC, at("2025-11-01T00:00:00Z"), 3))
            .containsExactly(at("2025-11-07T00:00:00Z"), at("2025-11-13T00:00:00Z"), at("2025-11-14T00:00:00Z"));
        // with the day of week unrestricted, only the 13th
        assertThat(fires("0 0 13 * *", ZoneOffset.UTC, at("2025-11-01T00:00:00Z"), 2))
            .containsExactly(at("2025-11-13T00:00:00Z"), at("2025-12-13T00:00:00Z"));
        // with the day of month unrestricted, only Fridays
        assertThat(fires("0 0 * * FRI", ZoneOffset.UTC, at("2025-11-01T00:00:00Z"), 2))
            .containsExactly(at("2025-11-07T00:00:00Z"), at("2025-11-14T00:00:00Z"));
    }

    @Test
    void sundayIsZeroOrSevenAndMonthsHaveNames()
    {
        final CronExpression zero = CronExpression.parse("0 0 * JAN 0");
        final CronExpression seven = CronExpression.parse("0 0 * jan 7");
        for (LocalDate d = LocalDate.of(2026, 1, 1); d.getYear() == 2026 && d.getMonthValue() < 3; d = d.plusDays(1))
        {
            assertThat(seven.dayMatches(d)).as(d.toString()).isEqualTo(zero.dayMatches(d))
                .isEqualTo(d.getMonthValue() == 1 && d.getDayOfWeek() == java.time.DayOfWeek.SUNDAY);
        }
    }

    @Test
    void aTimeTheSpringForwardGapSkipsFiresOnceAnHourLaterInWallTime()
    {
        // New York skips 02:00-03:00 on 2025-03-09: 02:30 that day is 03:30 EDT (07:30Z); the days around fire at 02:30
        assertThat(fires("30 2 * * *", NEW_YORK, at("2025-03-08T12:00:00Z"), 3)).containsExactly(
            at("2025-03-09T07:30:00Z"), at("2025-03-09T07:30:00Z").plusSeconds(23 * 3600), at("2025-03-11T06:30:00Z"));
        assertThat(fires("30 2 * * *", NEW_YORK, at("2025-03-08T12:00:00Z"), 3).get(1)).isEqualTo(at("2025-03-10T06:30:00Z"));
    }

    @Test
    void aTimeTheFallBackOverlapRepeatsFiresOnceAtItsFirstOccurrence()
    {
        // 01:30 happens twice in New York on 2025-11-02 (05:30Z EDT, 06:30Z EST): it fires at the first only
        assertThat(fires("30 1 * * *", NEW_YORK, at("2025-11-01T12:00:00Z"), 2))
            .containsExactly(at("2025-11-02T05:30:00Z"), at("2025-11-03T06:30:00Z"));
    }

    @Test
    void aDayThatNeverComesHasNoNextFireAndFebruaryTwentyNinthIsFound()
    {
        assertThat(CronExpression.parse("0 0 30 2 *").next(at("2025-01-01T00:00:00Z"), ZoneOffset.UTC)).isNull();
        assertThat(CronExpression.parse("0 0 29 2 *").next(at("2025-01-01T00:00:00Z"), ZoneOffset.UTC)).isEqualTo(at("2028-02-29T00:00:00Z"));
    }

    @Test
    void everyMistakeNamesItsField()
    {
        assertThatThrownBy(() -> CronExpression.parse("61 * * * *")).hasMessageContaining("minute").hasMessageContaining("61 is outside 0-59");
        assertThatThrownBy(() -> CronExpression.parse("0 24 * * *")).hasMessageContaining("hour");
        assertThatThrownBy(() -> CronExpression.parse("0 0 0 * *")).hasMessageContaining("day of month");
        assertThatThrownBy(() -> CronExpression.parse("0 0 * 13 *")).hasMessageContaining("month");
        assertThatThrownBy(() -> CronExpression.parse("0 0 * * 8")).hasMessageContaining("day of week");
        assertThatThrownBy(() -> CronExpression.parse("0 0 * * MOX")).hasMessageContaining("day of week").hasMessageContaining("MOX");
        assertThatThrownBy(() -> CronExpression.parse("5-1 * * * *")).hasMessageContaining("backwards");
        assertThatThrownBy(() -> CronExpression.parse("*/0 * * * *")).hasMessageContaining("minute");
        assertThatThrownBy(() -> CronExpression.parse("1,,2 * * * *")).hasMessageContaining("empty");
        assertThatThrownBy(() -> CronExpression.parse("* * * *")).hasMessageContaining("5 fields");
        assertThatThrownBy(() -> CronExpression.parse(" ")).hasMessageContaining("required");
    }

    @Test
    void nextAgreesWithAMinuteByMinuteWalkInUtc()
    {
        // an independent reading of "7-50/9 */5 * * 1,3": minute in 7,16,25,34,43; hour divisible by 5; Monday or Wednesday
        final CronExpression c = CronExpression.parse("7-50/9 */5 * * 1,3");
        Instant t = at("2025-11-01T00:00:00Z");
        Instant fire = c.next(t, ZoneOffset.UTC);
        for (int minute = 0; minute < 14 * 24 * 60; minute++)
        {
            t = t.plusSeconds(60);
            final var local = t.atZone(ZoneOffset.UTC);
            final boolean expected = List.of(7, 16, 25, 34, 43).contains(local.getMinute()) && local.getHour() % 5 == 0 &&
                (local.getDayOfWeek() == java.time.DayOfWeek.MONDAY || local.getDayOfWeek() == java.time.DayOfWeek.WEDNESDAY);
            assertThat(t.equals(fire)).as(t.toString()).isEqualTo(expected);
            if (expected)
            {
                fire = c.next(t, ZoneOffset.UTC);
            }
        }
    }
}
