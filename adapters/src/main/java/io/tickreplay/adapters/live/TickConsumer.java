package io.tickreplay.adapters.live;

import io.tickreplay.adapters.postgres.LiveTickWriter;
import io.tickreplay.engine.bus.BusListener;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;

import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

/**
 * The seed's TickConsumer: writes the live ticks of a bus into {@code tick_data}, so that a live
 * session can be replayed later. Replayed ticks ({@code origin} "replay") are already there and are
 * ignored. {@code seq} is the arrival order among a (provider, symbol, ts)'s ticks; a tick that arrives
 * behind its symbol's latest ts gets {@code seq} 1,000,000,000 and up, in arrival order, so its key
 * stays unique. Batches of {@code batchRows} rows or {@code batchMillis} (the seed's 200 / 5 s); a key
 * already stored (a feed sent again after a restart) is kept as it was.
 *
 * <pre>
 * try (TickConsumer ticks = TickConsumer.start(bus, dataSource, 200, 5000)) { ... }
 * </pre>
 */
public final class TickConsumer implements BusListener, AutoCloseable
{
    private final LiveTickWriter writer;
    private InProcessBus.Subscription subscription;
    private final ScheduledExecutorService timer;
    private volatile Exception failure;

    private TickConsumer(final InProcessBus bus, final DataSource dataSource, final int batchRows, final long batchMillis)
    {
        this.writer = new LiveTickWriter(dataSource, batchRows, batchMillis);
        this.timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            final Thread t = new Thread(r, "tick-consumer-flush");
            t.setDaemon(true);
            return t;
        });
    }

    /** Builds the consumer, then subscribes it and starts its flush timer; on a failure closes what was built. */
    public static TickConsumer start(final InProcessBus bus, final DataSource dataSource, final int batchRows, final long batchMillis)
    {
        final TickConsumer consumer = new TickConsumer(bus, dataSource, batchRows, batchMillis);
        try
        {
            consumer.subscription = bus.subscribe("tick-consumer", consumer);
            consumer.timer.scheduleAtFixedRate(consumer::flushIfDue, batchMillis, batchMillis, TimeUnit.MILLISECONDS);
            return consumer;
        }
        catch (final RuntimeException e)
        {
            consumer.timer.shutdownNow();
            if (consumer.subscription != null)
            {
                consumer.subscription.close();
            }
            throw e;
        }
    }

    @Override
    public void onMessage(final BusMessage m, final boolean endOfBatch) throws SQLException
    {
        if (m.origin != BusMessage.ORIGIN_LIVE)
        {
            return;
        }
        synchronized (writer)
        {
            writer.add(m);
            if (endOfBatch)
            {
                writer.flushIfDue();
            }
        }
    }

    private void flushIfDue()
    {
        synchronized (writer)
        {
            try
            {
                writer.flushIfDue();
            }
            catch (final SQLException e)
            {
                failure = e;
            }
        }
    }

    /** Ticks stored so far. */
    public long written()
    {
        synchronized (writer)
        {
            return writer.written();
        }
    }

    /** The last write failure, or null. */
    public Exception failure()
    {
        return failure;
    }

    /** Waits until the bus has handed over everything published so far, then stores it. */
    public void flush() throws SQLException, InterruptedException
    {
        subscription.awaitCaughtUp(30_000);
        synchronized (writer)
        {
            writer.flush();
        }
    }

    @Override
    public void close() throws SQLException, InterruptedException
    {
        flush();
        subscription.close();
        timer.shutdownNow();
        synchronized (writer)
        {
            writer.close();
        }
    }
}
