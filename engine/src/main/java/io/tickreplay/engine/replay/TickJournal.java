package io.tickreplay.engine.replay;

/**
 * Records the exact stream a replay emitted, so that it can be replayed without the database.
 * Called by the journal stage's thread only: {@link #append} for each emitted tick,
 * {@link #endOfBatch} when the ring has no more for now (write out there), {@link #close} once at
 * the end of the run.
 */
public interface TickJournal extends AutoCloseable
{
    void append(TickEvent tick);

    void endOfBatch();

    /** Bytes written so far (for metrics). */
    long bytesWritten();

    @Override
    void close();
}
