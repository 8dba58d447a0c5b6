package io.tickreplay.api.cli;

import io.tickreplay.adapters.live.SignalConsumer;
import io.tickreplay.adapters.postgres.PgTickSource;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.tick.Micros;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * {@code live --from-store}: a stored session published again as live ticks, so that the live pipeline's
 * signals of a past session can be compared with a replay of it (docs/runs.md, "Live against replay").
 * The ticks of {@code provider}'s {@code symbols} in [start, end) are read from {@code tick_data} in the
 * replay's order (ts, symbol, seq) by the replay's own reader and published on the in-process bus with
 * origin live, their stored times and seq, as fast as the SignalConsumer takes them; nothing is stored
 * again but the signals, which go to the live rows (run 0).
 */
final class LiveFromStore
{
    private LiveFromStore()
    {
    }

    /** The window [start, end) in micros: as given, else from the first to just after the last stored tick of the symbols. */
    static long[] window(final TickStore store, final String provider, final List<String> symbols, final Instant start, final Instant end)
        throws Exception
    {
        final List<String> missing = store.missing(provider, symbols);
        if (!missing.isEmpty())
        {
            throw new UsageException("--from-store: no ticks of " + String.join(",", missing) + " for provider " + provider + " in tick_data");
        }
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (final String symbol : symbols)
        {
            final Optional<Instant[]> range = store.range(provider, symbol);
            if (range.isPresent())
            {
                from = Math.min(from, Micros.of(range.get()[0]));
                to = Math.max(to, Micros.of(range.get()[1]) + 1);
            }
        }
        final long startMicros = start == null ? from : Micros.of(start);
        final long endMicros = end == null ? to : Micros.of(end);
        if (startMicros >= endMicros)
        {
            throw new UsageException("--start must be before --end, was " + Micros.toInstant(startMicros) + " and " + Micros.toInstant(endMicros));
        }
        return new long[] {startMicros, endMicros};
    }

    /** Publishes the window's ticks; returns how many. Stops early when {@code stop} says so or the consumer has failed. */
    static long publish(final DataSource dataSource, final InProcessBus bus, final String provider, final List<String> symbols,
        final long[] window, final SignalConsumer consumer, final BooleanSupplier stop) throws Exception
    {
        final SymbolTable table = new SymbolTable(symbols);
        final BusMessage m = new BusMessage();
        final TickBatch batch = new TickBatch(8192);
        long published = 0;
        long lastReport = System.nanoTime();
        try (PgTickSource source = new PgTickSource(dataSource, provider, table, window[0], window[1],
            new PgTickSource.Options().applicationName("tickreplay-live")))
        {
            while (!stop.getAsBoolean() && consumer.failure() == null)
            {
                batch.clear();
                final boolean more = source.next(batch);
                for (int i = 0; i < batch.count; i++)
                {
                    m.kind = BusMessage.KIND_TICK;
                    m.origin = BusMessage.ORIGIN_LIVE;
                    m.provider = provider;
                    m.symbol = table.name(batch.symbolId[i]);
                    m.tsMicros = batch.tsMicros[i];
                    m.seq = batch.seq[i];
                    m.price = batch.price[i];
                    m.size = batch.size[i];
                    m.bid = batch.bid[i];
                    m.ask = batch.ask[i];
                    m.bidSize = batch.bidSize[i];
                    m.askSize = batch.askSize[i];
                    m.replayRunId = 0;
                    m.runSeq = 0;
                    bus.publish(m);
                }
                published += batch.count;
                final long now = System.nanoTime();
                if (now - lastReport >= 1_000_000_000L)
                {
                    lastReport = now;
                    System.out.printf("live: %s stored ticks published%n", Format.count(published));
                }
                if (!more)
                {
                    break;
                }
            }
        }
        return published;
    }
}
