package io.tickreplay.engine.replay;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Spins briefly, yields briefly, then parks until there is something to do.
 *
 * <ul>
 *   <li>Waiting for the publisher (the ring's cursor): the consumer registers itself and parks until
 *   the next publication unparks it (or {@code maxParkNanos} passes, a bound, not a poll). The
 *   publisher pays a fence and a read per publication while no consumer waits, and an unpark when
 *   one does. An idle consumer costs nothing: no wake-ups while a writer's ring is empty, a paced
 *   replay waits for its next tick, or a bars writer sees a bar a minute.</li>
 *   <li>Waiting for an upstream stage (a stage after the pacer): that stage does not signal, so the
 *   consumer parks 50 us at a time for the first 10 ms, then {@code maxParkNanos} at a time.</li>
 * </ul>
 *
 * <p>Why not the Disruptor's own: its blocking strategies busy-spin on a dependent sequence (a stage
 * waiting for the pacer, which may hold a tick for seconds at 1x) and take a lock per publication;
 * its sleeping strategy wakes some 20,000 times a second per idle consumer. Measured here: a replay
 * persisting signals spent a third of a 2-core machine in the kernel waking idle consumers, which
 * the database writers it feeds needed.
 */
public final class BackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 20;
    private static final long SHORT_PARK_NANOS = 50_000;
    private static final long SHORT_PARKS_FOR_NANOS = 10_000_000;
    private static final int MAX_WAITERS = 16;

    private final long maxParkNanos;
    private final AtomicReferenceArray<Thread> waiters = new AtomicReferenceArray<>(MAX_WAITERS);
    private final AtomicInteger waiting = new AtomicInteger();

    public BackoffWaitStrategy(final long maxParkNanos)
    {
        this.maxParkNanos = Math.max(SHORT_PARK_NANOS, maxParkNanos);
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
        throws AlertException
    {
        long available;
        int counter = 0;
        long parkingSince = 0;
        final boolean onPublisher = dependentSequence == cursor;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (counter < SPINS)
            {
                Thread.onSpinWait();
                counter++;
            }
            else if (counter < SPINS + YIELDS)
            {
                Thread.yield();
                counter++;
            }
            else if (onPublisher)
            {
                parkUntilPublished(sequence, dependentSequence, barrier);
            }
            else
            {
                final long now = System.nanoTime();
                if (parkingSince == 0)
                {
                    parkingSince = now;
                }
                LockSupport.parkNanos(now - parkingSince < SHORT_PARKS_FOR_NANOS ? SHORT_PARK_NANOS : maxParkNanos);
            }
        }
        return available;
    }

    /** Registers this thread, checks once more (the publisher reads the count after publishing), parks, deregisters. */
    private void parkUntilPublished(final long sequence, final Sequence published, final SequenceBarrier barrier) throws AlertException
    {
        final Thread me = Thread.currentThread();
        int slot = -1;
        for (int i = 0; i < MAX_WAITERS && slot < 0; i++)
        {
            if (waiters.get(i) == null && waiters.compareAndSet(i, null, me))
            {
                slot = i;
            }
        }
        if (slot < 0)
        {
            LockSupport.parkNanos(SHORT_PARK_NANOS); // more consumers than slots: poll
            return;
        }
        waiting.incrementAndGet();
        try
        {
            if (published.get() < sequence)
            {
                barrier.checkAlert();
                LockSupport.parkNanos(this, maxParkNanos);
            }
        }
        finally
        {
            waiting.decrementAndGet();
            waiters.set(slot, null);
        }
    }

    @Override
    public void signalAllWhenBlocking()
    {
        // the cursor was just stored with release semantics: order it before the read of the waiter count (Dekker)
        VarHandle.fullFence();
        if (waiting.get() > 0)
        {
            for (int i = 0; i < MAX_WAITERS; i++)
            {
                final Thread t = waiters.get(i);
                if (t != null)
                {
                    LockSupport.unpark(t);
                }
            }
        }
    }
}
