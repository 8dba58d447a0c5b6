package io.tickreplay.engine.replay;

/** A clock that only moves when told to, or when someone waits on it: waiting jumps to the deadline. For tests. */
public final class ManualNanoClock implements NanoClock
{
    private volatile long now;

    public ManualNanoClock(final long start)
    {
        this.now = start;
    }

    @Override
    public long nanoTime()
    {
        return now;
    }

    @Override
    public long waitUntil(final long deadline, final long maxWaitNanos)
    {
        final long until = Math.min(deadline, now + maxWaitNanos);
        if (until > now)
        {
            now = until;
        }
        return now;
    }

    public void advance(final long nanos)
    {
        now += nanos;
    }
}
