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
}
