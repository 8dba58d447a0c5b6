package io.tickreplay.engine.bus;

/**
 * Where emitted ticks go: the in-process bus ({@link InProcessBus}), Kafka or Redis Streams.
 *
 * <p>{@link #publish} is called by one thread per replay (its bus-publisher stage), possibly by
 * several replays at once: implementations are thread-safe. The message is a flyweight: copy it.
 * {@link #flush} is called at the end of each batch and of each run; a bus that buffers makes its
 * messages visible there. A bus applies back-pressure by blocking {@code publish}.
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
}
