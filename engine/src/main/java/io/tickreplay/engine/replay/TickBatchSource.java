package io.tickreplay.engine.replay;

/**
 * Where a replay's ticks come from (the database, a journal): batches in the total replay order
 * (ts, symbol, seq), symbol ids from the run's {@link SymbolTable}.
 *
 * <p>{@link #next} is called by the pipeline's source thread only; {@link #seek} and {@link #cancel}
 * may be called from any thread.
 */
public interface TickBatchSource extends AutoCloseable
{
    /**
     * Fills {@code batch} (cleared by the caller) with the next ticks; blocks until some are ready.
     *
     * @return false when the source is exhausted (the batch is then empty).
     * @throws Exception when the source fails; the replay fails with its message.
     */
    boolean next(TickBatch batch) throws Exception;

    /** Continue from the first tick with {@code ts >= tsMicros}; ticks before it may still arrive and are dropped downstream. */
    default void seek(final long tsMicros)
    {
    }

    /** Stop as soon as possible: a blocked {@link #next} may return false or throw. */
    default void cancel()
    {
    }

    @Override
    void close();
}
