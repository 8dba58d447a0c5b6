package io.tickreplay.engine.bus;

/**
 * Where emitted ticks go: the in-process bus ({@link InProcessBus}), Kafka or Redis Streams.
 *
 * <p>{@link #publish} is called by one thread per replay (its bus-publisher stage), possibly by
 * several replays at once: implementations are thread-safe. The message is a flyweight: copy it.
 * {@link #flush} is called for each paced tick and at the end of each run: a bus that buffers sends
 * what it holds there (a burst leaves through the bus's own batching). A bus applies back-pressure by
 * blocking {@code publish}, and reports a failed delivery by throwing from a later call (the run
 * then fails with it).
 */
public interface TickBus
{
    void publish(BusMessage message);

    /** Publishes {@code messages[0, count)} in order; a bus that can claim or send many at once overrides this. */
    default void publish(final BusMessage[] messages, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            publish(messages[i]);
        }
    }

    default void flush()
    {
    }

    /**
     * Sends everything published so far and returns once the bus holds it (acknowledged): a checkpoint
     * vouches for every tick before it, so a resumed run never leaves a gap on the bus. By default,
     * {@link #flush} (a bus whose flush already waits, or that keeps nothing).
     */
    default void sync()
    {
        flush();
    }

    /**
     * The run has ended: a bus that others read tells them so (the seed's {@code kind}
     * {@code replay_end}, with the run's tick count and stream checksum, on every partition or shard).
     * Called once, by the run's bus-publisher stage, after its last message.
     *
     * @param complete the run emitted its whole window (not cancelled, not failed)
     */
    default void endOfRun(final String provider, final long runId, final long ticks, final String checksum, final boolean complete)
    {
    }

    /**
     * A run begins: a bus that others read tells them its window first ({@code replay_start} on every
     * partition or shard), so that a consumer writes only the bars the window covers, as the replay does.
     * Called once, before the run's first message.
     */
    default void startOfRun(final String provider, final long runId, final long windowStartMicros, final long windowEndMicros)
    {
    }
}
