package io.tickreplay.engine.replay;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * Spins briefly, yields briefly, then parks 50 us at a time for the first 10 ms of a wait and
 * {@code maxParkNanos} at a time after that, until the sequence it waits for is available.
 *
 * <p>Why not the Disruptor's own: blocking strategies busy-spin on a dependent sequence (a stage
 * waiting for the pacer, which may hold a tick for seconds at 1x), and the sleeping strategy wakes
 * some 20,000 times a second; on a 2-core machine either costs a good part of a core per idle
 * stage. In a burst this one behaves like the sleeping strategy (short waits, short parks, which
 * measured fastest here); once a stage has been idle for 10 ms it wakes only every
 * {@code maxParkNanos}, and the first tick after such a spell waits up to that long. Publishers
 * never signal: publishing stays as cheap as it gets.
 */
public final class BackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long SHORT_PARK_NANOS = 50_000;
    private static final long SHORT_PARKS_FOR_NANOS = 10_000_000;

    private final long maxParkNanos;

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

    @Override
    public void signalAllWhenBlocking()
    {
    }
}
