package io.tickreplay.adapters.files;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/**
 * Parses the timestamps that tick files carry into epoch microseconds, UTC.
 *
 * <ul>
 *   <li>ISO-8601: {@code 2025-11-03T14:30:01Z}, {@code 2025-11-03 14:30:01.123456}, with an optional
 *   fraction of up to nine digits and an optional offset ({@code Z}, {@code +01:00}, {@code +0100},
 *   {@code +01}); no offset means UTC. A date alone is its midnight UTC.</li>
 *   <li>Epoch numbers, told apart by magnitude of the integer part: below 10<sup>11</sup> seconds
 *   (until year 5138), below 10<sup>14</sup> milliseconds, below 10<sup>17</sup> microseconds,
 *   otherwise nanoseconds. A decimal fraction is allowed ({@code 1762180201.25} seconds).</li>
 * </ul>
 * Digits finer than a microsecond are truncated towards the past (floor), so a nanosecond stamp
 * and its microsecond prefix land on the same {@code ts}.
 *
 * <p>Stateless and thread-safe; the common forms parse without allocation.
 */
public final class TimestampParser
{
    static final long SECONDS_LIMIT = 100_000_000_000L;
    static final long MILLIS_LIMIT = 100_000_000_000_000L;
    static final long MICROS_LIMIT = 100_000_000_000_000_000L;

    private TimestampParser()
    {
    }

    public static long parseMicros(final String text)
    {
        return parseMicros(text, ZoneOffset.UTC);
    }

    /**
     * As {@link #parseMicros(String)}, but an ISO timestamp without an offset (or a date alone) is a local time in
     * {@code zone}: in a gap (clocks going forward) it moves later by the gap's length, in an overlap (clocks going back)
     * it takes the earlier offset, as {@link java.time.ZonedDateTime#of} does. Offsets in the text and epoch numbers are
     * kept as they are.
     */
    public static long parseMicros(final String text, final ZoneId zone)
    {
        final String s = text.strip();
        if (s.isEmpty())
        {
            throw new IllegalArgumentException("empty timestamp");
        }
        if (isEpochNumber(s))
        {
            return parseEpoch(s);
        }
        return parseIso(s, zone);
    }

    private static boolean isEpochNumber(final String s)
    {
        int i = s.charAt(0) == '-' ? 1 : 0;
        boolean digits = false;
        boolean dot = false;
        for (; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            if (c >= '0' && c <= '9')
            {
                digits = true;
            }
            else if (c == '.' && !dot)
            {
                dot = true;
            }
            else
            {
                return false;
            }
        }
        return digits;
    }

    private static long parseEpoch(final String s)
    {
        final boolean negative = s.charAt(0) == '-';
        final int dot = s.indexOf('.');
        final int intEnd = dot < 0 ? s.length() : dot;
        final int intStart = negative ? 1 : 0;
        long whole = 0;
        try
        {
            for (int i = intStart; i < intEnd; i++)
            {
                whole = Math.addExact(Math.multiplyExact(whole, 10), s.charAt(i) - '0');
            }
        }
        catch (final ArithmeticException e)
        {
            throw new IllegalArgumentException("epoch timestamp out of range: " + s);
        }

        final long magnitude;
        boolean remainder = false;
        if (whole >= MICROS_LIMIT)
        {
            magnitude = whole / 1_000;
            remainder = whole % 1_000 != 0 || nonZeroDigits(s, dot + 1, dot >= 0);
        }
        else
        {
            final int unitDigits = whole < SECONDS_LIMIT ? 6 : whole < MILLIS_LIMIT ? 3 : 0;
            long fraction = 0;
            int taken = 0;
            if (dot >= 0)
            {
                for (int i = dot + 1; i < s.length(); i++)
                {
                    if (taken < unitDigits)
                    {
                        fraction = fraction * 10 + (s.charAt(i) - '0');
                        taken++;
                    }
                    else if (s.charAt(i) != '0')
                    {
                        remainder = true;
                    }
                }
            }
            magnitude = whole * pow10(unitDigits) + fraction * pow10(unitDigits - taken);
        }
        return negative ? -magnitude - (remainder ? 1 : 0) : magnitude;
    }

    private static boolean nonZeroDigits(final String s, final int from, final boolean present)
    {
        if (!present)
        {
            return false;
        }
        for (int i = from; i < s.length(); i++)
        {
            if (s.charAt(i) != '0')
            {
                return true;
            }
        }
        return false;
    }

    private static long parseIso(final String s, final ZoneId zone)
    {
        final boolean utc = zone == null || zone.equals(ZoneOffset.UTC);
        // Fast path: yyyy-MM-dd[T ]HH:mm:ss[.f{1,9}][Z|+hh:mm|+hhmm|+hh]
        final int n = s.length();
        if (n >= 10 && isDigits(s, 0, 4) && s.charAt(4) == '-' && isDigits(s, 5, 7) && s.charAt(7) == '-' && isDigits(s, 8, 10))
        {
            final int year = num(s, 0, 4);
            final int month = num(s, 5, 7);
            final int day = num(s, 8, 10);
            if (n == 10)
            {
                final long midnight = epochDay(s, year, month, day) * 86_400L;
                return (utc ? midnight : localToEpoch(zone, midnight)) * 1_000_000L;
            }
            final char sep = s.charAt(10);
            // HH:mm:ss, or HH:mm (seconds 0) when no ':' follows the minutes: '2025-11-03 14:00' is what people type
            final boolean withSeconds = n >= 19 && s.charAt(16) == ':' && isDigits(s, 17, 19);
            if ((sep == 'T' || sep == 't' || sep == ' ') && n >= 16 && isDigits(s, 11, 13) && s.charAt(13) == ':' && isDigits(s, 14, 16) &&
                (withSeconds || n == 16 || s.charAt(16) != ':'))
            {
                final int hour = num(s, 11, 13);
                final int minute = num(s, 14, 16);
                final int second = withSeconds ? num(s, 17, 19) : 0;
                if (hour > 23 || minute > 59 || second > 59)
                {
                    throw new IllegalArgumentException("invalid time of day: " + s);
                }
                int i = withSeconds ? 19 : 16;
                long fractionMicros = 0;
                if (i < n && (s.charAt(i) == '.' || s.charAt(i) == ','))
                {
                    i++;
                    final int start = i;
                    while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9')
                    {
                        if (i - start < 6)
                        {
                            fractionMicros = fractionMicros * 10 + (s.charAt(i) - '0');
                        }
                        i++;
                    }
                    final int digits = i - start;
                    if (digits == 0 || digits > 9)
                    {
                        throw new IllegalArgumentException("invalid fraction of a second: " + s);
                    }
                    fractionMicros *= pow10(Math.max(0, 6 - digits));
                }
                final long local = epochDay(s, year, month, day) * 86_400L + hour * 3600L + minute * 60L + second;
                final long epochSecond = i == n && !utc ? localToEpoch(zone, local) : local - parseOffset(s, i);
                return epochSecond * 1_000_000L + fractionMicros;
            }
        }
        try
        {
            final OffsetDateTime parsed = OffsetDateTime.parse(s);
            return toMicros(parsed.toEpochSecond(), parsed.getNano());
        }
        catch (final DateTimeParseException ignored)
        {
            try
            {
                final LocalDateTime local = LocalDateTime.parse(s);
                return toMicros(utc ? local.toEpochSecond(ZoneOffset.UTC) : local.atZone(zone).toEpochSecond(), local.getNano());
            }
            catch (final DateTimeParseException e)
            {
                throw new IllegalArgumentException("not an ISO-8601 timestamp or epoch number: '" + s + "'");
            }
        }
    }

    /**
     * An integer epoch timestamp told apart by its magnitude, as a text one is: below 10^11 seconds, below 10^14
     * milliseconds, below 10^17 microseconds, otherwise nanoseconds (truncated towards the past).
     */
    public static long epochMicros(final long whole)
    {
        final long magnitude = Math.abs(whole);
        if (magnitude < SECONDS_LIMIT)
        {
            return whole * 1_000_000L;
        }
        if (magnitude < MILLIS_LIMIT)
        {
            return whole * 1_000L;
        }
        return magnitude < MICROS_LIMIT ? whole : Math.floorDiv(whole, 1_000L);
    }

    /** A local date-time, given as microseconds since 1970-01-01T00:00 local, as an instant in {@code zone} (gaps and overlaps as java.time). */
    public static long localMicrosToEpoch(final long localMicros, final ZoneId zone)
    {
        if (zone == ZoneOffset.UTC)
        {
            return localMicros;
        }
        final long second = Math.floorDiv(localMicros, 1_000_000L);
        return localToEpoch(zone, second) * 1_000_000L + Math.floorMod(localMicros, 1_000_000L);
    }

    /** The epoch second of a local time in {@code zone}, given as local seconds since 1970-01-01T00:00 (gaps and overlaps as java.time). */
    private static long localToEpoch(final ZoneId zone, final long localEpochSecond)
    {
        return LocalDateTime.ofEpochSecond(localEpochSecond, 0, ZoneOffset.UTC).atZone(zone).toEpochSecond();
    }

    private static long parseOffset(final String s, final int i)
    {
        final int n = s.length();
        if (i == n)
        {
            return 0;
        }
        final char c = s.charAt(i);
        if ((c == 'Z' || c == 'z') && i + 1 == n)
        {
            return 0;
        }
        if (c == '+' || c == '-')
        {
            final int sign = c == '-' ? -1 : 1;
            final int rest = n - i - 1;
            int hours;
            int minutes = 0;
            if (rest == 2 && isDigits(s, i + 1, i + 3))
            {
                hours = num(s, i + 1, i + 3);
            }
            else if (rest == 4 && isDigits(s, i + 1, i + 5))
            {
                hours = num(s, i + 1, i + 3);
                minutes = num(s, i + 3, i + 5);
            }
            else if (rest == 5 && isDigits(s, i + 1, i + 3) && s.charAt(i + 3) == ':' && isDigits(s, i + 4, i + 6))
            {
                hours = num(s, i + 1, i + 3);
                minutes = num(s, i + 4, i + 6);
            }
            else
            {
                throw new IllegalArgumentException("invalid UTC offset in timestamp: " + s);
            }
            if (hours > 18 || minutes > 59)
            {
                throw new IllegalArgumentException("invalid UTC offset in timestamp: " + s);
            }
            return sign * (hours * 3600L + minutes * 60L);
        }
        throw new IllegalArgumentException("unexpected text after the time in timestamp: " + s);
    }

    private static long epochDay(final String s, final int year, final int month, final int day)
    {
        try
        {
            return LocalDate.of(year, month, day).toEpochDay();
        }
        catch (final DateTimeException e)
        {
            throw new IllegalArgumentException("invalid date in timestamp: " + s);
        }
    }

    private static long toMicros(final long epochSecond, final int nanos)
    {
        return epochSecond * 1_000_000L + nanos / 1_000;
    }

    private static boolean isDigits(final String s, final int from, final int to)
    {
        if (to > s.length())
        {
            return false;
        }
        for (int i = from; i < to; i++)
        {
            final char c = s.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
        }
        return true;
    }

    private static int num(final String s, final int from, final int to)
    {
        int v = 0;
        for (int i = from; i < to; i++)
        {
            v = v * 10 + (s.charAt(i) - '0');
        }
        return v;
    }

    private static long pow10(final int n)
    {
        long v = 1;
        for (int i = 0; i < n; i++)
        {
            v *= 10;
        }
        return v;
    }
}
