package io.tickreplay.engine.replay;

import java.nio.charset.StandardCharsets;

/**
 * An order-sensitive 64-bit fingerprint of a tick stream: equal streams (same ticks, same order)
 * give equal values whatever produced them (database, journal, any machine).
 *
 * <p>Each tick is folded in as {@code h = mix(h * 31 + mix(field))} over: the symbol's name (its
 * UTF-8 bytes, hashed once per symbol; in a run over several providers the provider's UTF-8, a NUL byte,
 * then the symbol's, so that one name of two providers are two streams), ts in microseconds, seq, and the raw IEEE-754 bits of price,
 * size, bid, ask, bid_size, ask_size (NaN = absent, canonical). {@code mix} is the SplitMix64
 * finaliser. About 5 ns a tick; single-threaded.
 */
public final class StreamChecksum
{
    private final long[] symbolHashes;
    private long hash = 0x9E3779B97F4A7C15L;
    private long count;

    public StreamChecksum(final SymbolTable symbols)
    {
        symbolHashes = new long[symbols.size()];
        for (int i = 0; i < symbols.size(); i++)
        {
            final String key = symbols.severalProviders() ? symbols.provider(i) + '\u0000' + symbols.name(i) : symbols.name(i);
            symbolHashes[i] = hashBytes(key.getBytes(StandardCharsets.UTF_8));
        }
    }

    public void add(final int symbolId, final long tsMicros, final int seq, final double price, final double size,
        final double bid, final double ask, final double bidSize, final double askSize)
    {
        hash = fold(mix(hash * 31 + symbolHashes[symbolId]), tsMicros, seq, price, size, bid, ask, bidSize, askSize);
        count++;
    }

    /** Folds a tick's fields after its symbol's: ts, seq and the IEEE-754 bits of the six numbers. */
    static long fold(final long from, final long tsMicros, final int seq, final double price, final double size, final double bid,
        final double ask, final double bidSize, final double askSize)
    {
        long h = from;
        h = mix(h * 31 + tsMicros);
        h = mix(h * 31 + seq);
        h = mix(h * 31 + Double.doubleToLongBits(price));
        h = mix(h * 31 + Double.doubleToLongBits(size));
        h = mix(h * 31 + Double.doubleToLongBits(bid));
        h = mix(h * 31 + Double.doubleToLongBits(ask));
        h = mix(h * 31 + Double.doubleToLongBits(bidSize));
        return mix(h * 31 + Double.doubleToLongBits(askSize));
    }

    /** Continues a stream from a state it had ({@link #value()}, {@link #count()}): a resumed run goes on with its checkpoint's. */
    public void restore(final long value, final long ticks)
    {
        this.hash = value;
        this.count = ticks;
    }

    public long value()
    {
        return hash;
    }

    public long count()
    {
        return count;
    }

    public String hex()
    {
        return String.format("%016x", hash);
    }

    static long mix(final long x)
    {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long hashBytes(final byte[] bytes)
    {
        long h = 0xCBF29CE484222325L;
        for (final byte b : bytes)
        {
            h = (h ^ (b & 0xff)) * 0x100000001B3L;
        }
        return mix(h);
    }
}
