package io.tickreplay.engine.signals;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.EmissionCoverage;
import io.tickreplay.engine.replay.TickEvent;

import java.util.List;

/**
 * The bar aggregator after the pacer (the seed's MicroBatcher): OHLCV bars of 1m, 5m and 1h from the
 * emitted ticks, per docs/signals.md. A bar is passed on only when the run emitted every tick of its
 * interval ({@link EmissionCoverage}): a bar cut by the window's start or end, a seek, a cancel or a
 * failure is never written, so a partial run cannot overwrite a complete bar. One thread;
 * allocation-free.
 */
public final class BarStage implements EventHandler<TickEvent>
{
    /** The intervals of the bars it builds, in microseconds, shortest first. */
    public static final List<Long> INTERVALS = List.of(BarBuilder.ONE_MINUTE, BarBuilder.FIVE_MINUTES, BarBuilder.ONE_HOUR);

    private final BarBuilder[] builders;
    private final BarSink sink;
    private final EmissionCoverage coverage;
    private final BarBuilder.BarOutput covered;
    private final long windowStart;
    private final CheckpointBarrier checkpoints;

    /**
     * @param startMicros the window's start: bars before it are partial (warm-up) and not passed on
     * @param endMicros   the window's end: bars reaching past it are partial
     */
    public BarStage(final int symbols, final long startMicros, final long endMicros, final BarSink sink)
    {
        this(symbols, startMicros, endMicros, sink, CheckpointBarrier.NONE);
    }

    /** @param checkpoints acknowledged through the sink at each checkpoint marker */
    public BarStage(final int symbols, final long startMicros, final long endMicros, final BarSink sink, final CheckpointBarrier checkpoints)
    {
        this.windowStart = startMicros;
        this.checkpoints = checkpoints;
        this.builders = new BarBuilder[INTERVALS.size()];
        for (int i = 0; i < builders.length; i++)
        {
            builders[i] = new BarBuilder(INTERVALS.get(i), symbols);
        }
        this.sink = sink;
        this.coverage = new EmissionCoverage(startMicros, endMicros);
        this.covered = (symbolId, interval, start, open, high, low, close, volume, trades, vwap) ->
        {
            if (coverage.covers(start, start + interval))
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
            if (e.checkpointBefore != 0)
            {
                sink.checkpoint(e.checkpointBefore, checkpoints); // the bars completed before this tick are written
            }
            coverage.onTick(e);
            // a warm-up tick inside the window is one a resumed run re-reads before its checkpoint: the bars
            // open at the checkpoint need it (those it completes were written before, and are written again the same)
            if ((!e.skipped || e.warmup && e.tsMicros >= windowStart) && e.price > 0 && e.price != Double.POSITIVE_INFINITY && e.size >= 0 && e.size != Double.POSITIVE_INFINITY)
            {
                for (final BarBuilder builder : builders)
                {
                    builder.onTick(e.symbolId, e.tsMicros, e.price, e.size, covered);
                }
            }
            if (endOfBatch || e.paced)
            {
                sink.endOfBatch();
            }
            return;
        }
        coverage.onEnd(e);
        for (final BarBuilder builder : builders)
        {
            builder.completeAll(covered);
        }
        sink.endOfBatch();
        sink.endOfStream();
    }
}
