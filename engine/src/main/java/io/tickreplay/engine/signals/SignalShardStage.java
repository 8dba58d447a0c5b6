package io.tickreplay.engine.signals;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.EmissionCoverage;
import io.tickreplay.engine.replay.TickEvent;

/**
 * One calculator shard after the pacer: sees every tick of the ring and keeps those of its symbols,
 * {@code (symbolId & mask) == shard} (exchange-core's router), so each symbol's ticks stay in order on
 * one thread and the output is the same for any number of shards. Its own {@link SignalSet} holds
 * state for all symbols (ids are dense; the unused rows cost a few bytes each) and emits to the
 * shard's {@link SignalSink}, which is told at the end of each ring batch and of the stream. Bar
 * signals (rsi_14, bb_zscore_20, volume_profile) are passed on only for minutes the run emitted whole
 * ({@link EmissionCoverage}).
 */
public final class SignalShardStage implements EventHandler<TickEvent>
{
    private final int shard;
    private final int mask;
    private final SignalSet signals;
    private final SignalSink sink;
    private final long emitFrom;
    private final boolean[] barSignal;
    private final EmissionCoverage coverage;
    private final SignalOutput filtered;
    private final CheckpointBarrier checkpoints;
    private boolean suppress;

    public SignalShardStage(final int shard, final int shards, final SignalSet signals, final SignalSink sink)
    {
        this(shard, shards, signals, sink, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param startMicros values with a ts before this are computed (state) but not passed on: the
     *                    warm-up of a replay that starts mid-day
     * @param endMicros   the window's end: a bar signal's minute must end by then (no partial bars)
     */
    public SignalShardStage(final int shard, final int shards, final SignalSet signals, final SignalSink sink, final long startMicros,
        final long endMicros)
    {
        this(shard, shards, signals, sink, startMicros, endMicros, startMicros, CheckpointBarrier.NONE);
    }

    /**
     * @param startMicros    the window's start: a bar signal's minute must begin by then
     * @param endMicros      the window's end
     * @param emitFromMicros per-tick values with a ts before this are state only: the window's start, or for
     *                       a resumed run the first tick time after its checkpoint (what came before was written)
     * @param checkpoints    acknowledged through the sink at each checkpoint marker
     */
    public SignalShardStage(final int shard, final int shards, final SignalSet signals, final SignalSink sink, final long startMicros,
        final long endMicros, final long emitFromMicros, final CheckpointBarrier checkpoints)
    {
        if (shards < 1 || Integer.bitCount(shards) != 1 || shard < 0 || shard >= shards)
        {
            throw new IllegalArgumentException("shards must be a power of two and shard in [0, shards): " + shard + " of " + shards);
        }
        this.shard = shard;
        this.mask = shards - 1;
        this.signals = signals;
        this.sink = sink;
        this.emitFrom = emitFromMicros;
        this.checkpoints = checkpoints;
        this.coverage = new EmissionCoverage(startMicros, endMicros);
        this.barSignal = new boolean[signals.calculators().size()];
        for (int i = 0; i < barSignal.length; i++)
        {
            barSignal[i] = signals.calculators().get(i) instanceof BarSignalCalculator;
        }
        this.filtered = (signalId, symbolId, ts, seq, value, m1, m2, m3) ->
        {
            // a bar signal's ts is its minute's start: written only when the run emitted that whole minute
            if (barSignal[signalId] ? coverage.covers(ts, ts + BarBuilder.ONE_MINUTE) : !suppress && ts >= emitFrom)
            {
                sink.signal(signalId, symbolId, ts, seq, value, m1, m2, m3);
            }
        };
    }

    /** True when this shard computes the signals of {@code symbolId}. */
    public boolean owns(final int symbolId)
    {
        return (symbolId & mask) == shard;
    }

    @Override
    public void onEvent(final TickEvent e, final long sequence, final boolean endOfBatch)
    {
        if (e.type == TickEvent.TICK)
        {
            if (e.checkpointBefore != 0)
            {
                sink.checkpoint(e.checkpointBefore, checkpoints); // the values of every earlier time are final
            }
            coverage.onTick(e);
            if ((e.symbolId & mask) == shard)
            {
                // every tick the source read updates the state; only emitted ones (and not warm-up values) produce rows
                suppress = e.skipped && !e.warmup;
                signals.onTick(e.symbolId, e.tsMicros, e.seq, e.price, e.size, e.bid, e.ask, e.bidSize, e.askSize, filtered);
                suppress = false;
            }
            if (endOfBatch || e.paced)
            {
                sink.endOfBatch(); // a paced tick's values leave at once, not with the rest of the ring batch
            }
            return;
        }
        coverage.onEnd(e);
        signals.finish(filtered);
        sink.endOfBatch();
        sink.endOfStream();
    }

    /** Ticks of this shard's symbols that no definition accepted. */
    public long rejected()
    {
        return signals.rejected();
    }
}
