package io.tickreplay.engine.replay;

import com.lmax.disruptor.RingBuffer;

import java.util.concurrent.locks.LockSupport;

/**
 * How a producer waits for room in a full ring. The Disruptor's single-producer {@code next()} parks
 * for a nanosecond at a time (some 50 us with Linux's timer slack) and retries: a producer that is
 * faster than its consumers (the source before a slow database writer, a shard before its COPY)
 * then wakes some 20,000 times a second and costs the machine a context switch each time, measured
 * here as a third of a 2-core machine's time in the kernel. This waits until {@code wanted} slots
 * are free (a good part of the ring, not one), parking 50 us at first and up to 1 ms while the
 * ring stays full, then claims. A ring that has room costs one cached capacity check.
 */
public final class FullRingBackoff
{
    private static final long FIRST_PARK_NANOS = 50_000;
    private static final long MAX_PARK_NANOS = 1_000_000;

    private FullRingBackoff()
    {
    }

    /** Claims {@code n} slots, first waiting (parked) for {@code wanted >= n} free slots if there are not {@code n}. */
    public static long next(final RingBuffer<?> ring, final int n, final int wanted)
    {
        if (!ring.hasAvailableCapacity(n))
        {
            long park = FIRST_PARK_NANOS;
            do
            {
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, MAX_PARK_NANOS);
            }
            while (!ring.hasAvailableCapacity(wanted));
        }
        return ring.next(n);
    }
}
