package io.tickreplay.engine.signals;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventFactory;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.FullRingBackoff;
import io.tickreplay.engine.replay.WaitStrategies;

import java.util.concurrent.CountDownLatch;

/**
 * A ring between a compute stage and its writer: the stage hands values over and goes on, a writer
 * thread drains them into the writer (COPY to PostgreSQL, a file), so compute never waits on a commit
 * or a socket, only on a full ring (the back-pressure a slower writer must exert).
 *
 * <pre>
 *  stage thread                   writer thread
 *  producer -> [ | | | | | ] -> writer (batches; endOfBatch when its ring runs dry, endOfStream once)
 * </pre>
 *
 * <p>The writer sees {@code endOfBatch} when its ring runs dry (the Disruptor's batching: a writer
 * that falls behind gets bigger batches and so commits less often) and {@code endOfStream} once.
 * {@link #endOfStream()} on the stage thread returns only when the writer has finished, so a run
 * ends only when its values are durable; a writer's failure is thrown on the stage thread (at the
 * next end of batch, and at the end of the stream), which fails the run with the writer's message.
 * After a failure the writer thread keeps draining (and dropping) so the stage never blocks.
 *
 * <p>Built without a thread: the topology runs {@link #processor()} on a thread it starts, and
 * {@link #close()} halts it if the stream never ended. One producer thread, one writer thread.
 *
 * @param <S> the slot type, preallocated
 */
public abstract class WriterRing<S extends WriterRing.Slot> implements AutoCloseable
{
    /** The fields every slot has: what it is. */
    public static class Slot
    {
        static final int VALUE = 0;
        static final int END = 1;
        static final int CHECKPOINT = 2;

        int type;
        long checkpointId;
        CheckpointBarrier barrier;
    }

    protected final RingBuffer<S> ring;
    private final BatchEventProcessor<S> processor;
    private final String name;
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile Throwable failure;
    private static final int PUBLISH_EVERY = 64;

    private boolean ended;
    private final int refill;
    private long pending = -1;
    private long published = -1;

    protected WriterRing(final String name, final int size, final String waitStrategy, final EventFactory<S> slots)
    {
        this.name = name;
        this.refill = Math.max(1, size / 4);
        this.ring = RingBuffer.createSingleProducer(slots, size, WaitStrategies.of(waitStrategy));
        this.processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new Drain());
        // whatever escapes the writer (an error while recording an error) is kept, and the ring keeps draining:
        // the Disruptor's default handler would end the thread and leave the producer waiting on a full ring
        processor.setExceptionHandler(new ExceptionHandler<S>()
        {
            @Override
            public void handleEventException(final Throwable ex, final long sequence, final S event)
            {
                if (failure == null)
                {
                    failure = ex;
                }
                if (event.type == Slot.END)
                {
                    drained.countDown();
                }
            }

            @Override
            public void handleOnStartException(final Throwable ex)
            {
                failure = ex;
            }

            @Override
            public void handleOnShutdownException(final Throwable ex)
            {
                // the writer has written what it could; its failure, if any, is reported already
            }
        });
        ring.addGatingSequences(processor.getSequence());
    }

    /** The writer thread's name. */
    public String name()
    {
        return name;
    }

    /** What the writer thread runs; returns when the stream has ended or {@link #close()} halted it. */
    public Runnable processor()
    {
        return processor;
    }

    /** Claims a slot for a value; when the ring is full, publishes what it holds and waits (parked) until a quarter of it is free. */
    protected final long claim()
    {
        if (!ring.hasAvailableCapacity(1))
        {
            flush();
        }
        return FullRingBackoff.next(ring, 1, refill);
    }

    /**
     * Hands a value slot on to the writer (the producer filled {@code ring.get(sequence)}): visible to
     * the writer at the producer's next end of batch, or with the 64th value before it, so that a
     * burst pays one publication (and one wake-up check) per 64 values, not per value.
     */
    protected final void publish(final long sequence)
    {
        ring.get(sequence).type = Slot.VALUE;
        pending = sequence;
        if (sequence - published >= PUBLISH_EVERY)
        {
            flush();
        }
    }

    /**
     * Hands checkpoint marker {@code id} to the writer behind every value before it, visible at once:
     * the writer commits them and then acknowledges ({@code writerCheckpoint}).
     */
    public final void checkpoint(final long id, final CheckpointBarrier checkpoints)
    {
        final long s = claim();
        final S slot = ring.get(s);
        slot.type = Slot.CHECKPOINT;
        slot.checkpointId = id;
        slot.barrier = checkpoints;
        pending = s;
        flush();
    }

    /** Makes every value handed over visible to the writer. */
    private void flush()
    {
        if (pending > published)
        {
            ring.publish(pending);
            published = pending;
        }
    }

    /** Writes one value slot; on the writer thread. */
    protected abstract void write(S slot);

    /** The writer's own end of batch; on the writer thread. */
    protected abstract void writerEndOfBatch();

    /** The writer's own end of stream; on the writer thread. */
    protected abstract void writerEndOfStream();

    /** The writer commits everything so far and acknowledges checkpoint {@code id}; on the writer thread. */
    protected abstract void writerCheckpoint(long id, CheckpointBarrier checkpoints);

    /** Publishes what the producer handed over; the writer batches by its own ring; a failure it has met is reported here. */
    public void endOfBatch()
    {
        flush();
        final Throwable e = failure;
        if (e != null)
        {
            throw new IllegalStateException(e instanceof RuntimeException ? e.getMessage() : e.toString(), e);
        }
    }

    /** Hands the end of the stream to the writer and waits until it has written everything (or failed). */
    public void endOfStream()
    {
        if (ended)
        {
            return;
        }
        ended = true;
        flush();
        final long s = ring.next();
        ring.get(s).type = Slot.END;
        ring.publish(s);
        try
        {
            drained.await();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the " + name + " writer finished", e);
        }
        endOfBatch();
    }

    /** Values waiting in the ring for the writer. Any thread. */
    public long backlog()
    {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    public int size()
    {
        return ring.getBufferSize();
    }

    /** Halts the writer's processor if the stream never ended (a run that failed upstream); the topology joins its thread. */
    @Override
    public void close()
    {
        if (drained.getCount() > 0)
        {
            processor.halt(); // also before its thread runs it: a halted processor returns at once
        }
    }

    private final class Drain implements EventHandler<S>
    {
        @Override
        public void onEvent(final S e, final long sequence, final boolean endOfBatch)
        {
            try
            {
                if (failure == null)
                {
                    if (e.type == Slot.VALUE)
                    {
                        write(e);
                    }
                    else if (e.type == Slot.CHECKPOINT)
                    {
                        writerCheckpoint(e.checkpointId, e.barrier);
                    }
                    if (endOfBatch || e.type == Slot.END)
                    {
                        writerEndOfBatch();
                    }
                    if (e.type == Slot.END)
                    {
                        writerEndOfStream();
                    }
                }
            }
            catch (final Throwable t)
            {
                // an Error too (out of memory): the run fails with it, the ring keeps draining so the producer never blocks;
                // kept as it is, with nothing allocated
                failure = t;
            }
            finally
            {
                if (e.type == Slot.END)
                {
                    drained.countDown();
                    processor.halt();
                }
            }
        }
    }
}
