package io.tickreplay.engine.tick;

import java.time.Instant;

/** Conversions between epoch microseconds (the engine's time unit) and {@link Instant}. */
public final class Micros
{
    public static final long PER_SECOND = 1_000_000L;
    public static final long PER_MINUTE = 60 * PER_SECOND;
    public static final long PER_HOUR = 60 * PER_MINUTE;
    public static final long PER_DAY = 24 * PER_HOUR;

    private Micros()
    {
    }

    /** The UTC calendar day of {@code micros}, as days since the epoch. */
    public static long utcDay(final long micros)
    {
        return Math.floorDiv(micros, PER_DAY);
    }

    /** 00:00 UTC of the day of {@code micros}. */
    public static long startOfUtcDay(final long micros)
    {
        return utcDay(micros) * PER_DAY;
    }

    public static long of(final Instant instant)
    {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), PER_SECOND), instant.getNano() / 1_000);
    }

    public static Instant toInstant(final long micros)
    {
        return Instant.ofEpochSecond(Math.floorDiv(micros, PER_SECOND), Math.floorMod(micros, PER_SECOND) * 1_000L);
    }

    /**
     * Appends {@code micros} as {@link Instant#toString()} writes it (years 0000-9999): the fraction in
     * groups of three digits, none when zero. Allocation-free, for wire formats written per message.
     */
    public static StringBuilder appendIso(final StringBuilder out, final long micros)
    {
        final long day = Math.floorDiv(micros, PER_DAY);
        final long inDay = Math.floorMod(micros, PER_DAY);
        // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
        final long z = day + 719_468;
        final long era = Math.floorDiv(z, 146_097);
        final long doe = z - era * 146_097;
        final long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        final long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        final long mp = (5 * doy + 2) / 153;
        final long d = doy - (153 * mp + 2) / 5 + 1;
        final long m = mp < 10 ? mp + 3 : mp - 9;
        final long y = yoe + era * 400 + (m <= 2 ? 1 : 0);
        pad(out, y, 4).append('-');
        pad(out, m, 2).append('-');
        pad(out, d, 2).append('T');
        final long seconds = inDay / PER_SECOND;
        pad(out, seconds / 3600, 2).append(':');
        pad(out, seconds / 60 % 60, 2).append(':');
        pad(out, seconds % 60, 2);
        final long fraction = inDay % PER_SECOND;
        if (fraction != 0)
        {
            out.append('.');
            if (fraction % 1000 == 0)
            {
                pad(out, fraction / 1000, 3);
            }
            else
            {
                pad(out, fraction, 6);
            }
        }
        return out.append('Z');
    }

    private static StringBuilder pad(final StringBuilder out, final long value, final int width)
    {
        long p = 1;
        for (int i = 1; i < width; i++)
        {
            p *= 10;
        }
        for (; p > 0; p /= 10)
        {
            out.append((char)('0' + value / p % 10));
        }
        return out;
    }
}
