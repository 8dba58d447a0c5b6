package io.tickreplay.engine.tick;

/**
 * Receives ticks one at a time from a single producing thread.
 *
 * <p>The {@link Tick} passed in is a flyweight owned by the caller: copy what you need before
 * returning. Implementations that do I/O batch it themselves and flush on {@link #flush()}.
 */
@FunctionalInterface
public interface TickSink
{
    void onTick(Tick tick);

    /** Makes everything received so far visible downstream; called at the end of a batch or stream. */
    default void flush()
    {
    }
}
