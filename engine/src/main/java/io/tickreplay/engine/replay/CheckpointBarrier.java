package io.tickreplay.engine.replay;

/**
 * Collects the acknowledgements of one checkpoint marker (exchange-core persists its state the same
 * way: a command through the ring that each stage handles in order). The emitter opens the checkpoint
 * with the position it had reached when the marker passed it; each writing stage (journal, every
 * signal shard's writer, the bars writer) acknowledges once it has committed everything before the
 * marker; the last acknowledgement hands the checkpoint to the {@link Listener}, on that writer's
 * thread.
 *
 * <p>One checkpoint is open at a time: one the emitter would open while an older one is still waiting
 * is refused (and its marker not sent), so that checkpoints complete however far the writers trail the
 * emitter. (Letting the newer one replace the older starved the barrier: with the writers
 * more than one interval behind, every checkpoint was replaced before its last acknowledgement and none
 * was ever recorded.) A writer that failed never acknowledges, so nothing is recorded after a failure. Synchronized: it is touched once per participant per checkpoint, every few
 * seconds, never per tick.
 */
public final class CheckpointBarrier
{
    /** Told of each checkpoint that every participant has committed. */
    @FunctionalInterface
    public interface Listener
    {
        Listener NONE = c -> { };

        /** On the thread of the last participant to acknowledge; should be quick (one upsert). */
        void committed(ReplayCheckpoint checkpoint);
    }

    /** No participants and no listener: acknowledgements go nowhere. */
    public static final CheckpointBarrier NONE = new CheckpointBarrier(0, Listener.NONE);

    private final int participants;
    private final Listener listener;
    private ReplayCheckpoint open;
    private int acks;
    private long committed;

    public CheckpointBarrier(final int participants, final Listener listener)
    {
        this.participants = participants;
        this.listener = listener;
    }

    /**
     * On the emitter's thread, before any participant sees the marker; refused (false) while an older
     * one is open, and then the marker need not travel.
     */
    public boolean open(final ReplayCheckpoint checkpoint)
    {
        final boolean done;
        synchronized (this)
        {
            if (open != null)
            {
                return false;
            }
            open = checkpoint;
            acks = 0;
            done = participants == 0;
        }
        if (done)
        {
            complete(checkpoint);
        }
        return true;
    }

    /** A participant has committed everything before marker {@code id}; any thread. */
    public void ack(final long id)
    {
        final ReplayCheckpoint done;
        synchronized (this)
        {
            if (open == null || open.id() != id || ++acks < participants)
            {
                return;
            }
            done = open;
            open = null;
        }
        complete(done);
    }

    private void complete(final ReplayCheckpoint checkpoint)
    {
        synchronized (this)
        {
            committed++;
        }
        listener.committed(checkpoint);
    }

    /** Checkpoints every participant committed so far. */
    public synchronized long committed()
    {
        return committed;
    }
}
