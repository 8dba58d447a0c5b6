package io.tickreplay.engine.signals;
import io.tickreplay.engine.replay.CheckpointBarrier;

/**
 * The bars ring (a {@link WriterRing}): the bar stage hands each completed bar over and goes on, the
 * bars writer thread passes it to the {@link BarSink} (a COPY and a merge per ring batch), so no
 * commit runs on a thread that the ticks ring waits for. Bars are few (one a minute per symbol and
 * interval): a small ring does.
 */
public final class BarRing extends WriterRing<BarRing.BarSlot> implements BarSink
{
    private final BarSink writer;

    public BarRing(final String name, final int size, final String waitStrategy, final BarSink writer)
    {
        super(name, size, waitStrategy, BarSlot::new);
        this.writer = writer;
    }

    @Override
    public void bar(final int symbolId, final long intervalMicros, final long startMicros, final double open, final double high, final double low,
        final double close, final double volume, final long trades, final double vwap)
    {
        final long s = claim();
        final BarSlot slot = ring.get(s);
        slot.symbolId = symbolId;
        slot.interval = intervalMicros;
        slot.start = startMicros;
        slot.open = open;
        slot.high = high;
        slot.low = low;
        slot.close = close;
        slot.volume = volume;
        slot.trades = trades;
        slot.vwap = vwap;
        publish(s);
    }

    @Override
    protected void write(final BarSlot e)
    {
        writer.bar(e.symbolId, e.interval, e.start, e.open, e.high, e.low, e.close, e.volume, e.trades, e.vwap);
    }

    @Override
    protected void writerEndOfBatch()
    {
        writer.endOfBatch();
    }

    @Override
    protected void writerEndOfStream()
    {
        writer.endOfStream();
    }

    @Override
    protected void writerCheckpoint(final long id, final CheckpointBarrier checkpoints)
    {
        writer.checkpoint(id, checkpoints);
    }

    /** A ring slot: one bar. */
    static final class BarSlot extends WriterRing.Slot
    {
        int symbolId;
        long interval;
        long start;
        double open;
        double high;
        double low;
        double close;
        double volume;
        long trades;
        double vwap;
    }
}
