package io.tickreplay.api.cli;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Numbers and times as the CLI prints them. */
public final class Format
{
    private Format()
    {
    }

    public static String count(final long n)
    {
        return String.format(Locale.ROOT, "%,d", n);
    }

    public static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    /** Bytes as megabytes (10^6), two decimals: {@code 3.21}. */
    public static String megabytes(final long bytes)
    {
        return String.format(Locale.ROOT, "%.2f", bytes / 1e6);
    }

    public static String seconds(final long nanos)
    {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    public static String instant(final Instant instant)
    {
        return instant.truncatedTo(ChronoUnit.MICROS).toString();
    }
}
