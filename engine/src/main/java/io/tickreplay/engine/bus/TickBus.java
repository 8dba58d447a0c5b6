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

    default void flush()
    {
    }
}
