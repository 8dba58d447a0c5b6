package io.tickreplay.engine.signals;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.replay.TickEvent;

/**
 * One calculator shard after the pacer: sees every tick of the ring and keeps those of its symbols,
 * {@code (symbolId & mask) == shard} (exchange-core's router), so each symbol's ticks stay in order on
 * one thread and the output is the same for any number of shards. Its own {@link SignalSet} holds
 * state for all symbols (ids are dense; the unused rows cost a few bytes each) and emits to the
 * shard's {@link SignalOutput}, which is told at the end of each ring batch and of the stream.
 */
public final class SignalShardStage implements EventHandler<TickEvent>
{
    /** Where a shard's values go, with the batch boundaries the writer needs. */
    public interface Sink extends SignalOutput
    {
        /** Computes and keeps nothing (a replay with {@code --sink none}, benchmarks). */
        Sink DISCARD = new Sink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
            }
        };

        /** The ring had no more ticks for now: a writer may hand its batch on. */
        void endOfBatch();

        /** The stream has ended and every value is out. */
        void endOfStream();
    }

    private final int shard;
    private final int mask;
    private final SignalSet signals;
    private final Sink sink;
    private final long emitFrom;
    private final SignalOutput filtered;
    private boolean suppress;

    public SignalShardStage(final int shard, final int shards, final SignalSet signals, final Sink sink)
    {
        this(shard, shards, signals, sink, Long.MIN_VALUE);
    }

    /**
     * @param emitFromMicros values with a ts before this are computed (state) but not passed on: the
     *                       warm-up of a replay that starts mid-day
     */
    public SignalShardStage(final int shard, final int shards, final SignalSet signals, final Sink sink, final long emitFromMicros)
    {
        this.emitFrom = emitFromMicros;
        this.filtered = (signalId, symbolId, ts, seq, value, m1, m2, m3) ->
        {
            if (!suppress && ts >= emitFrom)
            {
                sink.signal(signalId, symbolId, ts, seq, value, m1, m2, m3);
            }
        };
        if (shards < 1 || Integer.bitCount(shards) != 1 || shard < 0 || shard >= shards)
        {
            throw new IllegalArgumentException("shards must be a power of two and shard in [0, shards): " + shard + " of " + shards);
        }
        this.shard = shard;
        this.mask = shards - 1;
        this.signals = signals;
        this.sink = sink;
    }

    @Override
    public void onEvent(final TickEvent e, final long sequence, final boolean endOfBatch)
    {
        if (e.type == TickEvent.TICK)
        {
            if ((e.symbolId & mask) == shard)
            {
                // every tick the source read updates the state; only emitted ones (and not warm-up values) produce rows
                suppress = e.skipped && !e.warmup;
                signals.onTick(e.symbolId, e.tsMicros, e.seq, e.price, e.size, e.bid, e.ask, e.bidSize, e.askSize, filtered);
                suppress = false;
            }
            if (endOfBatch)
            {
                sink.endOfBatch();
            }
            return;
        }
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
