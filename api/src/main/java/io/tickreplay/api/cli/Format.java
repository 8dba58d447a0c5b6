package io.tickreplay.api.cli;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Set;

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

    /** The rows as columns as wide as their widest cell, numbers ({@code right}) aligned on the right. */
    static void table(final List<String[]> rows, final Set<Integer> right)
    {
        final int[] width = new int[rows.get(0).length];
        for (final String[] row : rows)
        {
            for (int i = 0; i < row.length; i++)
            {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        for (final String[] row : rows)
        {
            final StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++)
            {
                final String pad = " ".repeat(width[i] - row[i].length());
                line.append(i == 0 ? "" : "  ").append(right.contains(i) ? pad + row[i] : row[i] + (i == row.length - 1 ? "" : pad));
            }
            System.out.println(line);
        }
    }
}
