package io.tickreplay.engine.signals;

/**
 * Told by a signals writer of every committed batch and every failed one, per signal (metrics: the api
 * implements it, the adapters call it). Called on the writer's thread; must not block.
 */
public interface SignalWriteListener
{
    SignalWriteListener NONE = new SignalWriteListener()
    {
    };

    /** {@code rows} rows of signal {@code signalId} (its index in the run's signals) are committed. */
    default void committed(final int signalId, final long rows)
    {
    }

    /** A batch holding values of {@code signalId} was not written. */
    default void failed(final int signalId)
    {
    }

    /** A batch of {@code rows} rows committed. */
    default void batch(final int rows)
    {
    }
}
