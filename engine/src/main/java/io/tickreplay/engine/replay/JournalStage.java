package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;

/** Appends every emitted tick to the run's {@link TickJournal}, writing at the end of each ring batch. */
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
        if (event.type == TickEvent.TICK && !event.skipped)
        {
            journal.append(event);
        }
        if (endOfBatch || event.type == TickEvent.END)
        {
            journal.endOfBatch();
        }
    }
}
