package io.tickreplay.engine.replay;

import java.util.Arrays;

/**
 * Per symbol of a run, the count and an order-sensitive 64-bit checksum of the ticks read: those it
 * emitted (the window), and apart from them those it read before the window to warm its signals up.
 * A run's manifest names them, so that two runs over re-imported or changed data tell which symbol's
 * ticks changed, and a warm-up that changed is told from a window that did.
 *
 * <p>Each symbol's checksum folds its ticks as {@link StreamChecksum} folds the stream's ({@code
 * h = mix(h * 31 + field)} over ts, seq and the IEEE-754 bits of price, size, bid, ask, bid_size,
 * ask_size), without the symbol's name: it is the symbol's own. Filled by the bus publisher on its
 * thread (or by whoever reads a journal), in arrays indexed by symbol id: no allocation per tick, about
 * 5 ns a tick. Read once the run has ended.
 */
public final class SymbolDigests
{
    private static final long SEED = 0x9E3779B97F4A7C15L;

    private final long[] ticks;
    private final long[] hashes;
    private final long[] warmupTicks;
    private final long[] warmupHashes;

    public SymbolDigests(final int symbols)
    {
        ticks = new long[symbols];
        hashes = new long[symbols];
        warmupTicks = new long[symbols];
        warmupHashes = new long[symbols];
        Arrays.fill(hashes, SEED);
        Arrays.fill(warmupHashes, SEED);
    }

    /** An emitted tick of the window. */
    public void emitted(final int symbolId, final long tsMicros, final int seq, final double price, final double size, final double bid,
        final double ask, final double bidSize, final double askSize)
    {
        hashes[symbolId] = StreamChecksum.fold(hashes[symbolId], tsMicros, seq, price, size, bid, ask, bidSize, askSize);
        ticks[symbolId]++;
    }

    /** A tick read before the window, for the signals' warm-up: not emitted. */
    public void warmup(final int symbolId, final long tsMicros, final int seq, final double price, final double size, final double bid,
        final double ask, final double bidSize, final double askSize)
    {
        warmupHashes[symbolId] = StreamChecksum.fold(warmupHashes[symbolId], tsMicros, seq, price, size, bid, ask, bidSize, askSize);
        warmupTicks[symbolId]++;
    }

    public int symbols()
    {
        return ticks.length;
    }

    public long ticks(final int symbolId)
    {
        return ticks[symbolId];
    }

    /** The checksum of the symbol's emitted ticks, as 16 hex digits. */
    public String checksum(final int symbolId)
    {
        return String.format("%016x", hashes[symbolId]);
    }

    public long warmupTicks(final int symbolId)
    {
        return warmupTicks[symbolId];
    }

    public String warmupChecksum(final int symbolId)
    {
        return String.format("%016x", warmupHashes[symbolId]);
    }
}
