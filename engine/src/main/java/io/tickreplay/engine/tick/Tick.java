package io.tickreplay.engine.tick;

/**
 * One market tick as a reusable, mutable flyweight of primitive fields.
 *
 * <p>Producers fill one instance and hand it to a {@link TickSink}; the sink copies what it needs
 * before returning, so the instance is reused for the next tick and nothing is allocated per tick.
 * Absent optional fields ({@code bid}, {@code ask}, {@code bidSize}, {@code askSize}) are
 * {@link Double#NaN}.
 *
 * <p>{@code tsMicros} is microseconds since the Unix epoch, UTC (the precision of
 * {@code tick_data.ts}). {@code seq} orders ticks that share (provider, symbol, ts).
 *
 * <p>Not thread-safe: one instance belongs to one producing thread.
 */
public final class Tick
{
    public String provider;
    public String symbol;
    public long tsMicros;
    public int seq;
    public double price;
    public double size;
    public double bid = Double.NaN;
    public double ask = Double.NaN;
    public double bidSize = Double.NaN;
    public double askSize = Double.NaN;

    public Tick clear()
    {
        provider = null;
        symbol = null;
        tsMicros = 0;
        seq = 0;
        price = 0;
        size = 0;
        bid = Double.NaN;
        ask = Double.NaN;
        bidSize = Double.NaN;
        askSize = Double.NaN;
        return this;
    }

    public Tick copyFrom(final Tick other)
    {
        provider = other.provider;
        symbol = other.symbol;
        tsMicros = other.tsMicros;
        seq = other.seq;
        price = other.price;
        size = other.size;
        bid = other.bid;
        ask = other.ask;
        bidSize = other.bidSize;
        askSize = other.askSize;
        return this;
    }

    @Override
    public String toString()
    {
        return "Tick{" + provider + ' ' + symbol + " ts=" + tsMicros + " seq=" + seq + " price=" + price +
            " size=" + size + " bid=" + bid + " ask=" + ask + " bidSize=" + bidSize + " askSize=" + askSize + '}';
    }
}
