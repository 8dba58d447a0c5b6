package io.tickreplay.api.cli;

import io.tickreplay.adapters.files.TimestampParser;
import io.tickreplay.engine.tick.Micros;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.List;

/**
 * The window a command reads from the tables: {@code --provider}, {@code --symbols A,B},
 * {@code --start} and {@code --end} ([start, end), ISO-8601 or epoch). A picocli mixin, filled when
 * the command line is parsed and read once on the command's thread ({@code provider} and
 * {@code symbols} as they are, the times parsed). It only parses: whether the flags are required,
 * and what else they must agree with, is the command's rule.
 */
public final class WindowOptions
{
    @Option(names = "--provider", paramLabel = "NAME", description = "Provider of the ticks.")
    String provider;

    // ${COMMAND-NAME}: picocli fills in the command that mixes this in ("Symbols to replay.")
    @Option(names = "--symbols", split = ",", paramLabel = "A,B", description = "Symbols to ${COMMAND-NAME}.")
    List<String> symbols;

    @Option(names = "--start", paramLabel = "TIME", description = "Start of the window, inclusive: ISO-8601 (no offset = UTC) or epoch.")
    String start;

    @Option(names = "--end", paramLabel = "TIME", description = "End of the window, exclusive.")
    String end;

    /** {@code --start}, or null when not given; a value that is no time is a usage error naming the flag. */
    public Instant start()
    {
        return time("--start", start);
    }

    /** {@code --end}, or null when not given. */
    public Instant end()
    {
        return time("--end", end);
    }

    /** True when any of the four flags was given. */
    public boolean given()
    {
        return provider != null || symbols != null || start != null || end != null;
    }

    private static Instant time(final String flag, final String value)
    {
        if (value == null)
        {
            return null;
        }
        try
        {
            return Micros.toInstant(TimestampParser.parseMicros(value));
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(flag + ": " + e.getMessage() + " (for example 2025-11-03T14:30:00Z, '2025-11-03 14:30' in UTC, or an epoch)");
        }
    }
}
