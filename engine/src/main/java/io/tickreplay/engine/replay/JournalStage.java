package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;

/**
 * Appends every emitted tick, and the warm-up ticks before the replay's start, to the run's
 * {@link TickJournal}, writing at the end of each ring batch.
 */
public final class JournalStage implements EventHandler<TickEvent>
{
    private final TickJournal journal;

    public JournalStage(final TickJournal journal)
    {
        this.journal = journal;
    }

    @Override
    public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
    {
        // warm-up ticks are journaled too (they precede the replay's start), so that a journal replay
        // warms its signals up exactly as this run did, without the database
        if (event.type == TickEvent.TICK && (!event.skipped || event.warmup))
        {
            journal.append(event);
        }
        if (endOfBatch || event.type == TickEvent.END)
        {
            journal.endOfBatch();
        }
    }
}
