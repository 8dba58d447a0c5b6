package io.tickreplay.engine.replay;

/**
 * How a replay ended, filled in by the pipeline: final once {@link ReplayPipeline#awaitCompletion}
 * returns. The first failure wins; later ones (usually consequences) are not kept.
 */
public final class ReplayOutcome
{
    public enum Status
    {
        COMPLETED, CANCELLED, FAILED
    }

    private volatile Status status;
    private volatile String where;
    private volatile Throwable error;
    private long ticks;
    private long checksum;
    private String checksumHex;
    private long firstTsMicros = Long.MIN_VALUE;
    private long lastTsMicros = Long.MIN_VALUE;
    private long elapsedNanos;
    private SymbolDigests digests;

    /**
     * The first failure wins; called by the topology on the failing stage's thread. Allocates nothing,
     * so that an {@link OutOfMemoryError} is recorded like any other failure (the message is made when asked).
     */
    public synchronized void fail(final String stage, final Throwable t)
    {
        if (error == null)
        {
            where = stage;
            error = t;
        }
    }

    /** Called once by the topology when every stage has ended. */
    public synchronized void finish(final boolean cancelled, final StreamChecksum sum, final long firstTs, final long lastTs, final long elapsed)
    {
        finish(cancelled, sum, null, firstTs, lastTs, elapsed);
    }

    /** @param bySymbol each symbol's ticks and checksum, kept for the run's manifest (null: not known) */
    public synchronized void finish(final boolean cancelled, final StreamChecksum sum, final SymbolDigests bySymbol, final long firstTs,
        final long lastTs, final long elapsed)
    {
        digests = bySymbol;
        status = error != null ? Status.FAILED : cancelled ? Status.CANCELLED : Status.COMPLETED;
        ticks = sum.count();
        checksum = sum.value();
        checksumHex = sum.hex();
        firstTsMicros = firstTs;
        lastTsMicros = lastTs;
        elapsedNanos = elapsed;
    }

    public Status status()
    {
        return status;
    }

    /** {@code <stage>: <message>} of the first failure (its class when it has no message); null when none. */
    public String errorMessage()
    {
        final Throwable t = error;
        if (t == null)
        {
            return null;
        }
        final String message = t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getSimpleName() : t.getMessage();
        return where + ": " + message;
    }

    public Throwable error()
    {
        return error;
    }

    public synchronized long ticks()
    {
        return ticks;
    }

    public synchronized long checksum()
    {
        return checksum;
    }

    public synchronized String checksumHex()
    {
        return checksumHex;
    }

    public synchronized long firstTsMicros()
    {
        return firstTsMicros;
    }

    public synchronized long lastTsMicros()
    {
        return lastTsMicros;
    }

    /** Each symbol's count and checksum of the ticks the run emitted and read for warm-up; null when not known. */
    public synchronized SymbolDigests digests()
    {
        return digests;
    }

    public synchronized long elapsedNanos()
    {
        return elapsedNanos;
    }

    public double ticksPerSecond()
    {
        final long elapsed = elapsedNanos();
        return elapsed == 0 ? 0 : ticks() * 1e9 / elapsed;
    }
}
