package io.tickreplay.engine.bus;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;


/**
 * The bus inside the JVM: one multi-producer Disruptor ring of {@link BusMessage} slots that every
 * replay publishes to and any number of in-JVM consumers (a strategy, a signal consumer, a test)
 * subscribe to, each on its own thread.
 *
 * <p>A subscriber sees what is published after it subscribed, in ring order. Subscribers gate the
 * ring: a slow one slows the publishers down (back-pressure, nothing dropped). With no subscriber,
 * publishing never blocks and messages are simply overwritten.
 */
public final class InProcessBus implements TickBus, AutoCloseable
{
    private final RingBuffer<BusMessage> ring;

    public InProcessBus(final int ringSize, final WaitStrategy waitStrategy)
    {
        this.ring = RingBuffer.createMultiProducer(BusMessage::new, ringSize, waitStrategy);
    }

    @Override
    public void publish(final BusMessage message)
    {
        final long sequence = ring.next();
        try
        {
            ring.get(sequence).copyFrom(message);
        }
        finally
        {
            ring.publish(sequence);
        }
    }

    public long remainingCapacity()
    {
        return ring.remainingCapacity();
    }

    public int bufferSize()
    {
        return ring.getBufferSize();
    }

    /** Claims {@code count} slots at once: one atomic claim and one publication for the lot. */
    @Override
    public void publish(final BusMessage[] messages, final int count)
    {
        int i = 0;
        while (i < count)
        {
            final int n = Math.min(count - i, ring.getBufferSize());
            final long hi = ring.next(n);
            final long lo = hi - n + 1;
            try
            {
                for (long s = lo; s <= hi; s++)
                {
                    ring.get(s).copyFrom(messages[i++]);
                }
            }
            finally
            {
                ring.publish(lo, hi);
            }
        }
    }

    /** Starts a consumer thread named {@code name}; close the subscription to stop it. */
    public Subscription subscribe(final String name, final BusListener listener)
    {
        final EventHandler<BusMessage> handler = (message, sequence, endOfBatch) -> listener.onMessage(message, endOfBatch);
        final BatchEventProcessor<BusMessage> processor = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), handler);
        processor.setExceptionHandler(new LoggingExceptionHandler(name));
        ring.addGatingSequences(processor.getSequence());
        final Thread thread = new Thread(processor, "bus-" + name);
        thread.setDaemon(true);
        thread.start();
        return new Subscription(this, processor, thread);
    }

    @Override
    public void close()
    {
    }

    /** A running consumer of the bus. */
    public static final class Subscription implements AutoCloseable
    {
        private final InProcessBus bus;
        private final BatchEventProcessor<BusMessage> processor;
        private final Thread thread;

        Subscription(final InProcessBus bus, final BatchEventProcessor<BusMessage> processor, final Thread thread)
        {
            this.bus = bus;
            this.processor = processor;
            this.thread = thread;
        }

        /** Sequence of the last message this subscriber finished with. */
        public long position()
        {
            return processor.getSequence().get();
        }

        /** Waits until this subscriber has consumed everything published so far, or the timeout passes. */
        public boolean awaitCaughtUp(final long timeoutMillis) throws InterruptedException
        {
            final long target = bus.ring.getCursor();
            final long deadline = System.currentTimeMillis() + timeoutMillis;
            while (processor.getSequence().get() < target)
            {
                if (System.currentTimeMillis() > deadline)
                {
                    return false;
                }
                Thread.sleep(1);
            }
            return true;
        }

        @Override
        public void close()
        {
            processor.halt();
            try
            {
                thread.join(5_000);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
            bus.ring.removeGatingSequence(processor.getSequence());
        }
    }

    /** A subscriber's exception is its own business: logged to stderr with the subscriber's name, the bus goes on. */
    private static final class LoggingExceptionHandler implements ExceptionHandler<BusMessage>
    {
        private final String name;

        LoggingExceptionHandler(final String name)
        {
            this.name = name;
        }

        @Override
        public void handleEventException(final Throwable ex, final long sequence, final BusMessage event)
        {
            System.err.println("bus subscriber " + name + " failed on message " + sequence + " (" + event + "): " + ex);
        }

        @Override
        public void handleOnStartException(final Throwable ex)
        {
            System.err.println("bus subscriber " + name + " failed to start: " + ex);
        }

        @Override
        public void handleOnShutdownException(final Throwable ex)
        {
            System.err.println("bus subscriber " + name + " failed to stop: " + ex);
        }
    }
}
