package io.tickreplay.engine.signals;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.replay.TickEvent;

/**
 * The bar aggregator after the pacer (the seed's MicroBatcher): OHLCV bars of 1m, 5m and 1h from the
 * emitted ticks, per docs/signals.md. Bars that start before the replay's start would be partial and
 * are not passed on; open bars complete at the end of the stream. One thread; allocation-free.
 */
public final class BarStage implements EventHandler<TickEvent>
{
    /** Where completed bars go, with the batch boundaries a writer needs. */
    public interface Sink extends BarBuilder.BarOutput
    {
        void endOfBatch();

        void endOfStream();
    }

    private final BarBuilder[] builders;
    private final Sink sink;
    private final long emitFrom;
    private final BarBuilder.BarOutput filtered;

    public BarStage(final int symbols, final long emitFromMicros, final Sink sink)
    {
        this.builders = new BarBuilder[] {
            new BarBuilder(BarBuilder.ONE_MINUTE, symbols), new BarBuilder(BarBuilder.FIVE_MINUTES, symbols), new BarBuilder(BarBuilder.ONE_HOUR, symbols)};
        this.sink = sink;
        this.emitFrom = emitFromMicros;
        this.filtered = (symbolId, interval, start, open, high, low, close, volume, trades, vwap) ->
        {
            if (start >= emitFrom)
            {
                sink.bar(symbolId, interval, start, open, high, low, close, volume, trades, vwap);
            }
        };
    }

    @Override
    public void onEvent(final TickEvent e, final long sequence, final boolean endOfBatch)
    {
        if (e.type == TickEvent.TICK)
        {
            if (!e.skipped && e.price > 0 && e.price != Double.POSITIVE_INFINITY && e.size >= 0 && e.size != Double.POSITIVE_INFINITY)
            {
                for (final BarBuilder builder : builders)
                {
                    builder.onTick(e.symbolId, e.tsMicros, e.price, e.size, filtered);
                }
            }
            if (endOfBatch)
            {
                sink.endOfBatch();
            }
            return;
        }
        for (final BarBuilder builder : builders)
        {
            builder.completeAll(filtered);
        }
        sink.endOfBatch();
        sink.endOfStream();
    }
}
