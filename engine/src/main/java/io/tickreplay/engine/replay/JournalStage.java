package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;

/**
 * Appends every emitted tick, and the warm-up ticks before the replay's start, to the run's
 * {@link TickJournal}, writing at the end of each ring batch.
 */
public final class JournalStage implements EventHandler<TickEvent>
{
    private final TickJournal journal;
    private final long journalFrom;
    private final CheckpointBarrier checkpoints;

    public JournalStage(final TickJournal journal)
    {
        this(journal, Long.MIN_VALUE, CheckpointBarrier.NONE);
    }

    /**
     * @param journalFromMicros ticks before this are in the journal already (a resumed run's, up to its checkpoint)
     * @param checkpoints       acknowledged once the ticks before a marker are written to the journal
     */
    public JournalStage(final TickJournal journal, final long journalFromMicros, final CheckpointBarrier checkpoints)
    {
        this.journal = journal;
        this.journalFrom = journalFromMicros;
        this.checkpoints = checkpoints;
    }

    @Override
    public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
    {
        // warm-up ticks are journaled too (they precede the replay's start), so that a journal replay
        // warms its signals up exactly as this run did, without the database
        if (event.checkpointBefore != 0)
        {
            // everything before this tick is in the queue's mapped file: it outlives this process (kill -9), not the machine
            journal.endOfBatch();
            checkpoints.ack(event.checkpointBefore);
        }
        if (event.type == TickEvent.TICK && (!event.skipped || event.warmup) && event.tsMicros >= journalFrom)
        {
            journal.append(event);
        }
        if (endOfBatch || event.type == TickEvent.END)
        {
            journal.endOfBatch();
        }
    }
}
