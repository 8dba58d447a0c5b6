package io.tickreplay.engine.replay;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

import java.util.concurrent.locks.LockSupport;

/**
 * Spins briefly, yields briefly, then parks for exponentially longer (20 us doubling up to
 * {@code maxParkNanos}) until the sequence it waits for is available.
 *
 * <p>Why not the Disruptor's own: blocking strategies busy-spin on a dependent sequence (a stage
 * waiting for the pacer, which may hold a tick for seconds at 1x), and the sleeping strategy wakes
 * some 20,000 times a second; on a 2-core machine either costs a core's worth per idle stage. This
 * one costs a few hundred wake-ups a second once idle, and adds at most {@code maxParkNanos} to the
 * first tick after an idle spell. Publishers never signal: publishing stays as cheap as it gets.
 */
public final class BackoffWaitStrategy implements WaitStrategy
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long FIRST_PARK_NANOS = 20_000;

    private final long maxParkNanos;

    public BackoffWaitStrategy(final long maxParkNanos)
    {
        this.maxParkNanos = Math.max(FIRST_PARK_NANOS, maxParkNanos);
    }

    @Override
    public long waitFor(final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
        throws AlertException
    {
        long available;
        int counter = 0;
        long park = FIRST_PARK_NANOS;
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
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, maxParkNanos);
            }
        }
        return available;
    }

    @Override
    public void signalAllWhenBlocking()
    {
    }
}
