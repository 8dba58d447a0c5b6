package io.tickreplay.engine.replay;

import java.util.concurrent.locks.LockSupport;

/**
 * The engine's only source of time, injected so that a test can drive a pipeline with a manual clock
 * and get the same result every time.
 */
public interface NanoClock
{
    long nanoTime();

    /**
     * Waits until {@code deadline} or for at most {@code maxWaitNanos}, whichever is sooner, so the
     * caller can look at its controls again. Returns the time after waiting.
     */
    long waitUntil(long deadline, long maxWaitNanos);

    /** The machine's monotonic clock: parks for the bulk of a wait and spins the last stretch, for sub-100us precision. */
    NanoClock SYSTEM = new NanoClock()
    {
        private static final long SPIN_NANOS = 150_000;

        @Override
        public long nanoTime()
        {
            return System.nanoTime();
        }

        @Override
        public long waitUntil(final long deadline, final long maxWaitNanos)
        {
            final long start = System.nanoTime();
            final long until = deadline - start < maxWaitNanos ? deadline : start + maxWaitNanos; // wrap-safe
            long now = start;
            while (until - now > SPIN_NANOS)
            {
                LockSupport.parkNanos(until - now - SPIN_NANOS);
                now = System.nanoTime();
            }
            while (until - now > 0)
            {
                Thread.onSpinWait();
                now = System.nanoTime();
            }
            return now;
        }
    };
}
