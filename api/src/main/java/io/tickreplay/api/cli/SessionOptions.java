package io.tickreplay.api.cli;

import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.synth.SyntheticSession;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Builds a {@link SyntheticSession.Context} from the {@code generate.*} settings. */
public final class SessionOptions
{
    private SessionOptions()
    {
    }

    static SyntheticSession.Context context(final Settings settings)
    {
        final LocalDate start;
        try
        {
            start = LocalDate.parse(settings.string("generate.start-date"));
        }
        catch (final DateTimeParseException e)
        {
            throw new UsageException("--start-date must be a date like 2025-11-03, was '" + settings.string("generate.start-date") + "'");
        }
        try
        {
            return new SyntheticSession.Context()
                .provider(settings.string("generate.provider"))
                .symbols(settings.strings("generate.symbols"))
                .startDate(start)
                .days(settings.integer("generate.days"))
                .ticksPerSecond(settings.number("generate.rate"))
                .seed(settings.longValue("generate.seed"))
                .conclude();
        }
        catch (final IllegalArgumentException e)
        {
            throw new UsageException(e.getMessage());
        }
    }

    /** The rate that makes {@code ctx}'s session about {@code targetTicks} long. */
    public static double rateFor(final long targetTicks, final SyntheticSession.Context ctx)
    {
        final long atOnePerSecond = new SyntheticSession(ctx.ticksPerSecond(1.0)).expectedTicks();
        return targetTicks / (double)atOnePerSecond;
    }
}
