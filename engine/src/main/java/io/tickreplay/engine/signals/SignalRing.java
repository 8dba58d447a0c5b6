package io.tickreplay.engine.signals;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import io.tickreplay.engine.replay.WaitStrategies;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The signals ring: a calculator shard hands its values to a ring of preallocated slots and goes
 * on computing, while a writer thread of its own drains the ring into the shard's writer (COPY to
 * PostgreSQL, a CSV or Parquet file). The compute thread never waits on a commit or a socket; it
 * waits only when the ring is full, which is the back-pressure a writer slower than the calculators
 * must exert.
 *
 * <pre>
 *  shard thread                          writer thread
 *  calculators -> LastPerTimestamp -> [ | | | | | ] -> writer (batches, commits at its ring batch ends)
 * </pre>
 *
 * <p>The writer sees {@link SignalShardStage.Sink#endOfBatch()} when its own ring runs dry (the
 * Disruptor's batching: a writer that falls behind gets bigger batches and so commits less often),
 * and {@link SignalShardStage.Sink#endOfStream()} once. {@link #endOfStream()} on the shard thread
 * returns only when the writer has finished the stream, so a run ends only when its values are
 * durable; a writer's failure is thrown on the shard thread (at the next end of batch, and at the
 * end of the stream), which fails the run with the writer's message. After a failure the writer
 * thread keeps draining (and dropping) so the shard never blocks on a full ring.
 *
 * <p>One producer (the shard thread), one consumer thread. {@link #close()} stops the writer thread
 * if the stream never ended (a run that failed upstream).
 */
public final class SignalRing implements SignalShardStage.Sink, AutoCloseable
{
    private static final int VALUE = 0;
    private static final int END = 1;

    private final RingBuffer<Slot> ring;
    private final BatchEventProcessor<Slot> processor;
    private final Thread thread;
    private final CountDownLatch drained = new CountDownLatch(1);
    private volatile RuntimeException failure;
    private boolean ended;

    /**
     * @param name         the writer thread's name
     * @param size         slots (a power of two)
     * @param waitStrategy how the writer waits when the ring is empty ({@link WaitStrategies})
     * @param writer       where the values go, called on the writer thread only
     */
    public SignalRing(final String name, final int size, final String waitStrategy, final SignalShardStage.Sink writer)
    {
        ring = RingBuffer.createSingleProducer(Slot::new, size, WaitStrategies.of(waitStrategy));
        processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), new Drain(writer));
        ring.addGatingSequences(processor.getSequence());
        thread = new Thread(processor, name);
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
        final double m2, final double m3)
    {
        final long s = ring.next();
        final Slot slot = ring.get(s);
        slot.type = VALUE;
        slot.signalId = signalId;
        slot.symbolId = symbolId;
        slot.ts = tsMicros;
        slot.seq = seq;
        slot.value = value;
        slot.m1 = m1;
        slot.m2 = m2;
        slot.m3 = m3;
        ring.publish(s);
    }

    /** The writer batches by its own ring; here only a failure it has met is reported. */
    @Override
    public void endOfBatch()
    {
        final RuntimeException e = failure;
        if (e != null)
        {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** Hands the end of the stream to the writer and waits until it has written everything (or failed). */
    @Override
    public void endOfStream()
    {
        if (ended)
        {
            return;
        }
        ended = true;
        final long s = ring.next();
        ring.get(s).type = END;
        ring.publish(s);
        try
        {
            drained.await();
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the signals writer finished", e);
        }
        endOfBatch();
    }

    /** Values waiting in the ring for the writer. */
    public long backlog()
    {
        return ring.getBufferSize() - ring.remainingCapacity();
    }

    /** Stops the writer thread (after the stream has ended, or abandoning what is left if it never did). */
    @Override
    public void close()
    {
        if (drained.getCount() > 0)
        {
            processor.halt();
        }
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private final class Drain implements EventHandler<Slot>
    {
        private final SignalShardStage.Sink writer;

        Drain(final SignalShardStage.Sink writer)
        {
            this.writer = writer;
        }

        @Override
        public void onEvent(final Slot e, final long sequence, final boolean endOfBatch)
        {
            try
            {
                if (failure == null)
                {
                    if (e.type == VALUE)
                    {
                        writer.signal(e.signalId, e.symbolId, e.ts, e.seq, e.value, e.m1, e.m2, e.m3);
                    }
                    if (endOfBatch || e.type == END)
                    {
                        writer.endOfBatch();
                    }
                    if (e.type == END)
                    {
                        writer.endOfStream();
                    }
                }
            }
            catch (final RuntimeException t)
            {
                failure = t;
            }
            finally
            {
                if (e.type == END)
                {
                    drained.countDown();
                    processor.halt();
                }
            }
        }
    }

    /** A ring slot: one signal value. */
    static final class Slot
    {
        int type;
        int signalId;
        int symbolId;
        long ts;
        int seq;
        double value;
        double m1;
        double m2;
        double m3;
    }
}
