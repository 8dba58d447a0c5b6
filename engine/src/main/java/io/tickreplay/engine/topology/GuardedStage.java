package io.tickreplay.engine.topology;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.topology.ReplayTopology.StageLatency;

import java.util.concurrent.CountDownLatch;

/**
 * A stage of the topology as its thread runs it: every throwable of the stage goes to the run's
 * {@link RunErrors} (which fails and cancels the run) and the stage sees nothing more but its end;
 * {@code END} counts the stage down; one tick in {@code sampleMask + 1} of its own symbols is timed from
 * its emission. On the stage's thread; allocation-free.
 */
final class GuardedStage implements EventHandler<TickEvent>
{
    final String name;
    private final EventHandler<TickEvent> delegate;
    private final boolean countsEnd;
    private final boolean timed;
    private final int ownerMask;
    private final int owner;
    private final RunErrors errors;
    private final CountDownLatch ended;
    private final StageLatency latency;
    private final int sampleMask;
    private final NanoClock clock;
    private boolean failed;
    private int sampled;

    /** {@code owner} -1: never timed; else timed on ticks with {@code (symbolId & ownerMask) == owner}. */
    GuardedStage(final String name, final EventHandler<TickEvent> delegate, final boolean countsEnd, final int ownerMask, final int owner,
        final RunErrors errors, final CountDownLatch ended, final StageLatency latency, final int sampleMask, final NanoClock clock)
    {
        this.name = name;
        this.delegate = delegate;
        this.countsEnd = countsEnd;
        this.ownerMask = ownerMask;
        this.owner = owner;
        this.errors = errors;
        this.ended = ended;
        this.latency = latency;
        this.sampleMask = sampleMask;
        this.clock = clock;
        this.timed = owner >= 0 && latency != StageLatency.NONE;
    }

    @Override
    public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
    {
        try
        {
            if (!failed)
            {
                delegate.onEvent(event, sequence, endOfBatch);
                if (timed && event.type == TickEvent.TICK && !event.skipped && (event.symbolId & ownerMask) == owner && (sampled++ & sampleMask) == 0)
                {
                    latency.record(name, clock.nanoTime() - event.emitNanos);
                }
            }
        }
        catch (final Throwable t)
        {
            failed = true;
            errors.onError(name, t);
        }
        finally
        {
            if (event.type == TickEvent.END && countsEnd)
            {
                ended.countDown();
            }
        }
    }

    /**
     * What escapes a stage's guard (an error while handling an error) goes to the run's errors, and the
     * processor goes on to the stream's end: the Disruptor's default handler would end the thread and
     * leave the run waiting for a stage that is gone.
     */
    static final class Escaped implements ExceptionHandler<TickEvent>
    {
        private final String stage;
        private final RunErrors errors;

        Escaped(final String stage, final RunErrors errors)
        {
            this.stage = stage;
            this.errors = errors;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final TickEvent event)
        {
            errors.onError(stage, ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            errors.onError(stage, ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            errors.onError(stage, ex);
        }
    }
}
