package io.tickreplay.engine.replay;

import java.util.List;

/**
 * One replay over several sources: a k-way merge of their streams into the order (ts, source order,
 * symbol, seq). Source {@code s} numbers its symbols from 0 in its own table; here they become
 * {@code firstId[s] + id}, the ids of the run's {@link SymbolTable#ofSources} table, which go source
 * by source. Comparing (ts, run id) therefore compares (ts, source, symbol), and the ticks of one
 * (ts, symbol) all come from one source, which already has them in seq order: the merge is exact and
 * the same every run.
 *
 * <p>Each source keeps its own reader (a database source its own thread and connection, so the sources
 * are read in parallel); the merge runs on the pipeline's source thread, in {@link #next}, over the
 * sources' current batches: a comparison of k heads and one row copy per tick, no allocation (k is
 * small, a linear scan beats a heap). {@link #seek} and {@link #cancel} go to every source.
 */
public final class MergedTickSource implements TickBatchSource
{
    private final TickBatchSource[] sources;
    private final int[] firstId;
    private final TickBatch[] heads;
    private final int[] position;
    private final boolean[] exhausted;

    /**
     * @param sources the sources in their order, each in (ts, symbol, seq) order of its own ids
     * @param firstId the run id of each source's symbol 0
     */
    public MergedTickSource(final List<TickBatchSource> sources, final int[] firstId, final int batchSize)
    {
        if (sources.size() != firstId.length)
        {
            throw new IllegalArgumentException(sources.size() + " sources, " + firstId.length + " first ids");
        }
        this.sources = sources.toArray(TickBatchSource[]::new);
        this.firstId = firstId.clone();
        this.heads = new TickBatch[this.sources.length];
        this.position = new int[this.sources.length];
        this.exhausted = new boolean[this.sources.length];
        for (int s = 0; s < heads.length; s++)
        {
            heads[s] = new TickBatch(batchSize);
        }
    }

    @Override
    public boolean next(final TickBatch batch) throws Exception
    {
        while (!batch.full())
        {
            int best = -1;
            long bestTs = 0;
            int bestId = 0;
            for (int s = 0; s < heads.length; s++)
            {
                if (!ready(s))
                {
                    continue;
                }
                final TickBatch head = heads[s];
                final int i = position[s];
                final long ts = head.tsMicros[i];
                final int id = firstId[s] + head.symbolId[i];
                if (best < 0 || ts < bestTs || (ts == bestTs && id < bestId))
                {
                    best = s;
                    bestTs = ts;
                    bestId = id;
                }
            }
            if (best < 0)
            {
                break;
            }
            // the chosen source's run of ticks up to the next source's head goes in one stretch
            final TickBatch head = heads[best];
            int i = position[best];
            final int offset = firstId[best];
            do
            {
                batch.add(head.symbolId[i] + offset, head.tsMicros[i], head.seq[i], head.price[i], head.size[i], head.bid[i], head.ask[i],
                    head.bidSize[i], head.askSize[i]);
                i++;
            }
            while (i < head.count && !batch.full() && beforeOthers(best, head.tsMicros[i], head.symbolId[i] + offset));
            position[best] = i;
        }
        return batch.count > 0;
    }

    /** Whether (ts, id) of source {@code s} comes before every other source's current head (heads already read). */
    private boolean beforeOthers(final int s, final long ts, final int id)
    {
        for (int o = 0; o < heads.length; o++)
        {
            if (o == s || exhausted[o])
            {
                continue;
            }
            final TickBatch head = heads[o];
            final int i = position[o];
            if (i >= head.count)
            {
                return false; // its next batch is not read yet: choose again once it is
            }
            final long other = head.tsMicros[i];
            if (other < ts || (other == ts && firstId[o] + head.symbolId[i] < id))
            {
                return false;
            }
        }
        return true;
    }

    /** Whether source {@code s} has a current tick, reading its next batch when it needs one. */
    private boolean ready(final int s) throws Exception
    {
        if (exhausted[s])
        {
            return false;
        }
        if (position[s] < heads[s].count)
        {
            return true;
        }
        position[s] = 0;
        do
        {
            heads[s].clear();
            if (!sources[s].next(heads[s]))
            {
                exhausted[s] = true;
                heads[s].clear();
                return false;
            }
        }
        while (heads[s].count == 0);
        return true;
    }

    @Override
    public void seek(final long tsMicros)
    {
        for (final TickBatchSource source : sources)
        {
            source.seek(tsMicros);
        }
    }

    @Override
    public void cancel()
    {
        for (final TickBatchSource source : sources)
        {
            source.cancel();
        }
    }

    @Override
    public void close()
    {
        RuntimeException failure = null;
        for (final TickBatchSource source : sources)
        {
            try
            {
                source.close();
            }
            catch (final RuntimeException e)
            {
                if (failure == null)
                {
                    failure = e;
                }
                else
                {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null)
        {
            throw failure;
        }
    }
}
