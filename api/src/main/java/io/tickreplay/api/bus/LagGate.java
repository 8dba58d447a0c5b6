package io.tickreplay.api.bus;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;
import java.util.concurrent.locks.LockSupport;

/**
 * Back-pressure from the consumers: a run's bus that waits while the consumer groups reading its topic
 * are more than {@code maxLag} messages behind ({@code replay --max-lag N}, the API's {@code max_lag}).
 * The lag is the largest, over the groups that have stored a position, of the messages between their
 * positions and the end of the topic; it is measured every 200 ms on a thread of its own, never on the
 * publisher's thread, which only reads a flag per batch of messages. Closing the gate (the run ended
 * or was cancelled) lets everything through.
 */
public final class LagGate implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(LagGate.class);

    private final long maxLag;
    private final LongSupplier lag;
    private final Thread watcher;
    private volatile boolean open = true;
    private volatile boolean closed;
    private volatile long lastLag;
    /** Messages this gate let through, and that count when the lag was last measured: what passed since is lag too. */
    private volatile long passed;
    private volatile long passedAtMeasure;

    /** @param lag measures the current lag (may be slow: it runs on the gate's thread) */
    public LagGate(final long maxLag, final LongSupplier lag, final String name)
    {
        this.maxLag = maxLag;
        this.lag = lag;
        this.watcher = new Thread(this::watch, name);
        this.watcher.setDaemon(true);
    }

    public LagGate start()
    {
        watcher.start();
        return this;
    }

    private void watch()
    {
        while (!closed)
        {
            try
            {
                final long before = passed;
                lastLag = lag.getAsLong();
                passedAtMeasure = before;
                open = lastLag <= maxLag;
            }
            catch (final RuntimeException e)
            {
                LOG.warn("could not measure the consumers' lag ({}); not holding the replay back", e.getMessage());
                open = true;
            }
            LockSupport.parkNanos(200_000_000L);
        }
    }

    /** The lag last measured. */
    public long lastLag()
    {
        return lastLag;
    }

    /** {@code inner}, holding each publication back while the consumers are too far behind. */
    public TickBus gate(final TickBus inner)
    {
        return new TickBus()
        {
            @Override
            public void publish(final BusMessage message)
            {
                await();
                inner.publish(message);
                passed++;
            }

            @Override
            public void publish(final BusMessage[] messages, final int count)
            {
                await();
                inner.publish(messages, count);
                passed += count;
            }

            @Override
            public void flush()
            {
                inner.flush();
            }

            @Override
            public void startOfRun(final String provider, final long runId, final long windowStart, final long windowEnd)
            {
                inner.startOfRun(provider, runId, windowStart, windowEnd);
            }

            @Override
            public void endOfRun(final String provider, final long runId, final long ticks, final String checksum, final boolean complete)
            {
                inner.endOfRun(provider, runId, ticks, checksum, complete);
            }
        };
    }

    /** Waits while the last measured lag, plus what went out since it was measured, is over the limit. */
    private void await()
    {
        while (!closed && (!open || lastLag + passed - passedAtMeasure > maxLag))
        {
            LockSupport.parkNanos(5_000_000L);
        }
    }

    @Override
    public void close()
    {
        closed = true;
        open = true;
    }
}
