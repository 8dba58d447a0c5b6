package io.tickreplay.engine.signals;

import io.tickreplay.engine.replay.CheckpointBarrier;

import java.util.Arrays;

/**
 * Applies the spec's key rule before anything is written: the {@code signals} primary key is
 * (provider, symbol, ts, name), and when several ticks share a ts the stored row is the one computed
 * at the last of them. Each (signal, symbol) holds its latest value back until a value with another
 * ts arrives or the stream ends, then passes it on: the writer sees each key once, so it can COPY
 * without conflicts. A later tick of the same ts that computes no value for a per-tick signal leaves
 * that ts without a row: its chain {@link #discard discards} the held value before computing the tick
 * (docs/signals.md, "One row per (symbol, ts, signal)"). Memory: six numbers per (signal, symbol). One thread.
 */
public final class LastPerTimestamp implements SignalSink
{
    private final SignalSink next;
    private final int symbols;
    private final boolean[] held;
    private final long[] ts;
    private final int[] seq;
    private final double[] values;

    public LastPerTimestamp(final int signals, final int symbols, final SignalSink next)
    {
        this.next = next;
        this.symbols = symbols;
        held = new boolean[signals * symbols];
        ts = new long[signals * symbols];
        seq = new int[signals * symbols];
        values = new double[signals * symbols * 4];
        Arrays.fill(ts, Long.MIN_VALUE);
        Arrays.fill(values, Double.NaN);
    }

    @Override
    public void signal(final int signalId, final int symbolId, final long tsMicros, final int tickSeq, final double value, final double m1,
        final double m2, final double m3)
    {
        final int k = signalId * symbols + symbolId;
        if (held[k] && ts[k] != tsMicros)
        {
            release(k, signalId, symbolId);
        }
        held[k] = true;
        ts[k] = tsMicros;
        seq[k] = tickSeq;
        values[k * 4] = value;
        values[k * 4 + 1] = m1;
        values[k * 4 + 2] = m2;
        values[k * 4 + 3] = m3;
    }

    private void release(final int k, final int signalId, final int symbolId)
    {
        next.signal(signalId, symbolId, ts[k], seq[k], values[k * 4], values[k * 4 + 1], values[k * 4 + 2], values[k * 4 + 3]);
        held[k] = false;
    }

    @Override
    public void endOfBatch()
    {
        next.endOfBatch();
    }

    /**
     * Drops the value {@code signalId} holds for {@code symbolId} if it is of {@code tsMicros}: a later
     * tick of that ts is about to be computed, so the held value (computed at an earlier tick of the ts)
     * is not the ts's row any more. The later tick's own value, if it has one and it is passed on, takes
     * its place; if it has none (a crossed book, a size missing, an overflow, or a tick a cancel or a
     * seek did not emit), the ts has no row for that signal. {@link #latest} still tells the value.
     */
    public void discard(final int signalId, final int symbolId, final long tsMicros)
    {
        final int k = signalId * symbols + symbolId;
        if (held[k] && ts[k] == tsMicros)
        {
            held[k] = false;
        }
    }

    /** The latest value taken for (signal, symbol), held or passed on; NaN before any. */
    public double latest(final int signalId, final int symbolId)
    {
        return values[(signalId * symbols + symbolId) * 4];
    }

    /** The ts of {@link #latest}; {@link Long#MIN_VALUE} before any. */
    public long latestTs(final int signalId, final int symbolId)
    {
        return ts[signalId * symbols + symbolId];
    }

    /** Passes every held value on now (a consumer whose context changes, or the end of the stream). */
    public void releaseAll()
    {
        for (int k = 0; k < held.length; k++)
        {
            if (held[k])
            {
                release(k, k / symbols, k % symbols);
            }
        }
        Arrays.fill(held, false);
    }

    /**
     * The marker sits between two tick times, so no later tick shares a held value's ts: each held
     * value is final and goes to the writer before the marker does (a checkpoint covers it).
     */
    @Override
    public void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        releaseAll();
        next.checkpoint(id, barrier);
    }

    @Override
    public void endOfStream()
    {
        releaseAll();
        next.endOfBatch();
        next.endOfStream();
    }
}
