package io.tickreplay.api.schedule;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * A five-field cron expression (minute, hour, day of month, month, day of week) as Vixie cron reads it:
 * {@code *}, numbers, ranges {@code a-b}, lists {@code a,b}, steps {@code *}/n, {@code a-b/n} and {@code a/n}
 * (from a to the field's maximum), month and weekday names ({@code JAN}, {@code MON}), Sunday as 0 or 7.
 * When both day of month and day of week are restricted (neither starts with {@code *}) a day matching
 * either fires, as in Vixie cron; otherwise both must match.
 *
 * <p>{@link #next} is evaluated in an IANA zone, wall-clock time: a time that a spring-forward gap skips
 * fires once, shifted forward by the gap's length (02:30 becomes 03:30 on the day New York skips 02:00-03:00);
 * a time that a fall-back overlap repeats fires once, at its first occurrence (the earlier offset). Each
 * field is a bit set; {@code next} walks days, not minutes, so it costs at most a few thousand cheap checks.
 * Immutable and thread-safe.
 */
public final class CronExpression
{
    /** How far {@link #next} looks: nine years, so that a February 29 is always found. */
    private static final int HORIZON_DAYS = 9 * 366;
    private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
    private static final String[] DAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

    private final String text;
    private final long minutes;
    private final long hours;
    private final long daysOfMonth;
    private final long months;
    private final long daysOfWeek;
    private final boolean domRestricted;
    private final boolean dowRestricted;

    private CronExpression(final String text, final String[] f)
    {
        this.text = text;
        minutes = field("minute", f[0], 0, 59, null);
        hours = field("hour", f[1], 0, 23, null);
        daysOfMonth = field("day of month", f[2], 1, 31, null);
        months = field("month", f[3], 1, 12, MONTHS);
        final long dow = field("day of week", f[4], 0, 7, DAYS);
        daysOfWeek = (dow & 1L << 7) != 0 ? (dow | 1L) & ~(1L << 7) : dow; // 7 is Sunday too
        domRestricted = !f[2].startsWith("*");
        dowRestricted = !f[4].startsWith("*");
    }

    /** Parses {@code text}; an {@link IllegalArgumentException} says which field is wrong and why. */
    public static CronExpression parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("a cron expression is required, e.g. '0 22 * * 1-5' (minute hour day-of-month month day-of-week)");
        }
        final String[] f = text.trim().split("\\s+");
        if (f.length != 5)
        {
            throw new IllegalArgumentException("a cron expression has 5 fields (minute hour day-of-month month day-of-week), '" + text + "' has " + f.length);
        }
        return new CronExpression(text.trim(), f);
    }

    /**
     * The first fire time strictly after {@code after}, in {@code zone}; null when none comes within nine
     * years (a day that does not exist, such as February 30).
     */
    public Instant next(final Instant after, final ZoneId zone)
    {
        final LocalDate first = after.atZone(zone).toLocalDate().minusDays(1); // a gap's shifted time may fall on the day after
        for (int d = 0; d < HORIZON_DAYS; d++)
        {
            final LocalDate date = first.plusDays(d);
            if (!dayMatches(date))
            {
                continue;
            }
            final Instant found = firstTimeOfDayAfter(date, after, zone);
            if (found != null)
            {
                return found;
            }
        }
        return null;
    }

    /** Whether {@code date} is a day this expression fires on (month, and day of month / day of week by Vixie's rule). */
    public boolean dayMatches(final LocalDate date)
    {
        if ((months & 1L << date.getMonthValue()) == 0)
        {
            return false;
        }
        final boolean dom = (daysOfMonth & 1L << date.getDayOfMonth()) != 0;
        final boolean dow = (daysOfWeek & 1L << cronDay(date.getDayOfWeek())) != 0;
        return domRestricted && dowRestricted ? dom || dow : dom && dow;
    }

    private Instant firstTimeOfDayAfter(final LocalDate date, final Instant after, final ZoneId zone)
    {
        for (int h = 0; h < 24; h++)
        {
            if ((hours & 1L << h) == 0)
            {
                continue;
            }
            for (int m = 0; m < 60; m++)
            {
                if ((minutes & 1L << m) == 0)
                {
                    continue;
                }
                // ZonedDateTime.of: a time in a gap moves forward by the gap's length; one in an overlap takes the earlier offset
                final Instant at = ZonedDateTime.of(LocalDateTime.of(date, LocalTime.of(h, m)), zone).toInstant();
                if (at.isAfter(after))
                {
                    return at;
                }
            }
        }
        return null;
    }

    @Override
    public String toString()
    {
        return text;
    }

    private static long field(final String name, final String spec, final int min, final int max, final String[] names)
    {
        long bits = 0;
        for (final String part : spec.split(",", -1))
        {
            bits |= part(name, part, min, max, names);
        }
        return bits;
    }

    private static long part(final String name, final String part, final int min, final int max, final String[] names)
    {
        if (part.isEmpty())
        {
            throw new IllegalArgumentException(name + ": an empty list item in '" + part + "'");
        }
        final int slash = part.indexOf('/');
        final String range = slash < 0 ? part : part.substring(0, slash);
        int step = 1;
        if (slash >= 0)
        {
            step = number(name, part.substring(slash + 1), 1, max - min + 1, null);
        }
        int lo;
        int hi;
        if (range.equals("*"))
        {
            lo = min;
            hi = max;
        }
        else
        {
            final int dash = range.indexOf('-');
            if (dash < 0)
            {
                lo = number(name, range, min, max, names);
                hi = slash < 0 ? lo : max; // Vixie: a/n runs from a to the maximum
            }
            else
            {
                lo = number(name, range.substring(0, dash), min, max, names);
                hi = number(name, range.substring(dash + 1), min, max, names);
                if (hi < lo)
                {
                    throw new IllegalArgumentException(name + ": the range '" + range + "' runs backwards");
                }
            }
        }
        long bits = 0;
        for (int v = lo; v <= hi; v += step)
        {
            bits |= 1L << v;
        }
        return bits;
    }

    private static int number(final String name, final String value, final int min, final int max, final String[] names)
    {
        if (names != null)
        {
            final String upper = value.toUpperCase(Locale.ROOT);
            for (int i = 0; i < names.length; i++)
            {
                if (names[i].equals(upper))
                {
                    return names == MONTHS ? i + 1 : i;
                }
            }
        }
        final int n;
        try
        {
            n = Integer.parseInt(value);
        }
        catch (final NumberFormatException e)
        {
            throw new IllegalArgumentException(name + ": '" + value + "' is not a number" + (names == null ? "" : " or a name such as " + names[1]));
        }
        if (n < min || n > max)
        {
            throw new IllegalArgumentException(name + ": " + n + " is outside " + min + "-" + max);
        }
        return n;
    }

    /** The day of week as cron numbers it (Sunday 0). */
    static int cronDay(final DayOfWeek day)
    {
        return day.getValue() % 7;
    }
}
