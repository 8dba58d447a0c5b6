package io.tickreplay.engine.replay;

import io.tickreplay.engine.bus.BusMessage;

/**
 * A slot of the ticks ring: preallocated once, primitive fields only, reused for every tick that
 * passes through it. The symbol travels as its dense id in the run's {@link SymbolTable}.
 *
 * <p>Written by the source thread before publication, then by the pacing stage ({@link #scheduledNanos},
 * {@link #emitNanos}, {@link #skipped}); read by the stages after the pacer. The ring's sequence
 * barriers order those accesses: no field is volatile.
 */
public final class TickEvent
{
    public static final int TICK = 0;
    /** The last event of a run: every stage flushes and reports completion when it sees it. */
    public static final int END = 1;

    public int type;
    /** 0-based position of this tick in what the source produced for the run. */
    public long index;
    public int symbolId;
    public long tsMicros;
    public int seq;
    public double price;
    public double size;
    public double bid;
    public double ask;
    public double bidSize;
    public double askSize;
    /** When the source published it (nanos of the run's clock): the start of in-pipeline latency. */
    public long publishedNanos;
    /** When the pacer meant to emit it, and when it did; equal in burst mode. */
    public long scheduledNanos;
    public long emitNanos;
    /** Set by the pacer for ticks not to be emitted (before a seek target, or after a cancel). */
    public boolean skipped;
    /** Set by the pacer for a tick it waited for: emit it now, do not hold it for a batch. */
    public boolean paced;
    /** Set by the pacer for a tick before the replay's start, read only to warm signals up (also skipped). */
    public boolean warmup;
    /**
     * Set by the pacer on the first event after a seek skipped part of the window: no tick in
     * [{@link #gapFromMicros}, {@link #gapToMicros}) was emitted, so a bar over that time is partial
     * ({@link EmissionCoverage}). {@code gapToMicros} is Long.MIN_VALUE on every other event.
     */
    public long gapFromMicros;
    public long gapToMicros = Long.MIN_VALUE;
    /** On {@code END}: the source delivered the whole window and nothing was cancelled or failed before it. */
    public boolean complete;
    /**
     * A checkpoint marker riding on this tick (its number in the run, from 1; 0: none). The emitter sets
     * it, as the checkpoint's position passes it, on the first tick of a time later than the tick
     * before: every tick before the marker has a ts at most that of every tick from this one on. Each
     * writing stage commits everything before this tick and acknowledges the marker to the run's
     * {@link CheckpointBarrier} before it handles the tick. The emitter, not the source, places it: the
     * source runs a whole ring ahead of a paced emission (65,536 ticks are hours at a slow 1x), so a
     * marker it placed reached the emitter that much later.
     */
    public long checkpointBefore;

    public void copyFrom(final TickBatch batch, final int i, final long index)
    {
        this.type = TICK;
        this.index = index;
        this.symbolId = batch.symbolId[i];
        this.tsMicros = batch.tsMicros[i];
        this.seq = batch.seq[i];
        this.price = batch.price[i];
        this.size = batch.size[i];
        this.bid = batch.bid[i];
        this.ask = batch.ask[i];
        this.bidSize = batch.bidSize[i];
        this.askSize = batch.askSize[i];
        this.skipped = false;
        this.paced = false;
        this.warmup = false;
        this.gapToMicros = Long.MIN_VALUE;
        this.scheduledNanos = 0;
        this.emitNanos = 0;
        this.checkpointBefore = 0;
    }

    /**
     * A tick read from a bus (a consumer folding it into its state): {@code m}'s market fields under
     * {@code symbolId}, as an emitted tick (not skipped, paced or warm-up).
     */
    public void copyFrom(final BusMessage m, final int symbolId, final long index)
    {
        this.type = TICK;
        this.index = index;
        this.symbolId = symbolId;
        this.tsMicros = m.tsMicros;
        this.seq = m.seq;
        this.price = m.price;
        this.size = m.size;
        this.bid = m.bid;
        this.ask = m.ask;
        this.bidSize = m.bidSize;
        this.askSize = m.askSize;
        this.skipped = false;
        this.paced = false;
        this.warmup = false;
        this.gapToMicros = Long.MIN_VALUE;
        this.checkpointBefore = 0;
    }

    /** This tick's market fields into {@code m} (its symbol, provider and origin are the caller's). */
    public void copyTo(final BusMessage m)
    {
        m.tsMicros = tsMicros;
        m.seq = seq;
        m.price = price;
        m.size = size;
        m.bid = bid;
        m.ask = ask;
        m.bidSize = bidSize;
        m.askSize = askSize;
    }

    /**
     * @param complete the source delivered the whole window and the run was not cancelled: every open
     *                 bar whose interval the window covers is complete
     */
    public void end(final long index, final boolean complete)
    {
        this.type = END;
        this.index = index;
        this.skipped = true;
        this.paced = false;
        this.warmup = false;
        this.gapToMicros = Long.MIN_VALUE;
        this.complete = complete;
    }
}
