package io.tickreplay.engine.signals;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.TickEvent;

/**
 * One calculator shard after the pacer: sees every tick of the ring and computes those of its
 * symbols, {@code (symbolId & mask) == shard} (exchange-core's router), so each symbol's ticks stay in
 * order on one thread and the output is the same for any number of shards. Its {@link SignalChain}
 * holds state for all symbols (ids are dense; the unused rows cost a few bytes each), applies the
 * emission rule and passes each row once to the shard's sink, which is told at the end of each ring
 * batch, at each checkpoint marker and at the end of the stream. Allocation-free.
 */
public final class SignalShardStage implements EventHandler<TickEvent>
{
    private final int shard;
    private final int mask;
    private final SignalChain chain;
    private final CheckpointBarrier checkpoints;

    /**
     * @param chain       the shard's chain, built for the run's symbols, window and sink
     * @param checkpoints acknowledged through the sink at each checkpoint marker
     */
    public SignalShardStage(final int shard, final int shards, final SignalChain chain, final CheckpointBarrier checkpoints)
    {
        if (shards < 1 || Integer.bitCount(shards) != 1 || shard < 0 || shard >= shards)
        {
            throw new IllegalArgumentException("shards must be a power of two and shard in [0, shards): " + shard + " of " + shards);
        }
        this.shard = shard;
        this.mask = shards - 1;
        this.chain = chain;
        this.checkpoints = checkpoints;
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
                chain.checkpoint(e.checkpointBefore, checkpoints); // the values of every earlier time are final
            }
            chain.observe(e);
            if ((e.symbolId & mask) == shard)
            {
                chain.compute(e);
            }
            if (endOfBatch || e.paced)
            {
                chain.endOfBatch(); // a paced tick's values leave at once, not with the rest of the ring batch
            }
            return;
        }
        chain.end(e);
    }

    /** Ticks of this shard's symbols that no definition accepted. */
    public long rejected()
    {
        return chain.rejected();
    }
}
