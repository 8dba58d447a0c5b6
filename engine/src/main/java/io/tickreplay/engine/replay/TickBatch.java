package io.tickreplay.engine.replay;

/**
 * A block of ticks in replay order, column by column in primitive arrays: what a source hands the
 * pipeline. Allocated once per source and refilled; absent optional values are NaN.
 * Not thread-safe: owned by one thread at a time, handed over through a queue.
 */
public final class TickBatch
{
    public final int capacity;
    /** Rows filled, 0..capacity. */
    public int count;
    public final int[] symbolId;
    public final long[] tsMicros;
    public final int[] seq;
    public final double[] price;
    public final double[] size;
    public final double[] bid;
    public final double[] ask;
    public final double[] bidSize;
    public final double[] askSize;

    public TickBatch(final int capacity)
    {
        this.capacity = capacity;
        symbolId = new int[capacity];
        tsMicros = new long[capacity];
        seq = new int[capacity];
        price = new double[capacity];
        size = new double[capacity];
        bid = new double[capacity];
        ask = new double[capacity];
        bidSize = new double[capacity];
        askSize = new double[capacity];
    }

    public boolean full()
    {
        return count == capacity;
    }

    public void clear()
    {
        count = 0;
    }

    /** Appends one tick; the caller checks {@link #full()} first. */
    public void add(
        final int symbol, final long ts, final int sequence, final double px, final double qty,
        final double bidPx, final double askPx, final double bidQty, final double askQty)
    {
        final int i = count++;
        symbolId[i] = symbol;
        tsMicros[i] = ts;
        seq[i] = sequence;
        price[i] = px;
        size[i] = qty;
        bid[i] = bidPx;
        ask[i] = askPx;
        bidSize[i] = bidQty;
        askSize[i] = askQty;
    }

    public void copyRow(final TickBatch from, final int i)
    {
        add(from.symbolId[i], from.tsMicros[i], from.seq[i], from.price[i], from.size[i], from.bid[i], from.ask[i], from.bidSize[i], from.askSize[i]);
    }
}
