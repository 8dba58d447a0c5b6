package io.tickreplay.adapters.bus;

import io.tickreplay.engine.tick.Tick;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;

/**
 * Where a bus consumer's rows and positions go ({@link ConsumerCore}): rows are gathered into an open
 * batch, and {@link #commit} writes the batch and the moved positions in one transaction, so that each
 * row is written once whatever dies. The api wires the PostgreSQL implementation; the consumer loops
 * know only this. One thread (the consumer loop's).
 */
public interface ConsumerStore extends AutoCloseable
{
    /** The stored positions of {@code group} on {@code topic}, by partition (empty for a new group). */
    Map<Integer, String> storedPositions(String group, String topic) throws SQLException;

    /** A signal row of run {@code runId} (0: live), {@code signalId} an index into the consumer's signal names. */
    void signal(byte[] provider, byte[] symbol, int signalId, long ts, double value, double m1, double m2, double m3, long runId)
        throws SQLException;

    /** A bar row of run {@code runId} (0: live), {@code interval} in microseconds. */
    void bar(byte[] provider, byte[] symbol, long interval, long start, double open, double high, double low, double close, double volume,
        long trades, double vwap, long runId) throws SQLException;

    /** A live tick row (its {@code seq} already assigned). */
    void tick(byte[] provider, byte[] symbol, Tick tick) throws SQLException;

    /** Bytes of the open batch. */
    long pendingBytes();

    /** Writes the open batch and {@code positions} (partition to the next position) in one transaction, then opens a new batch. */
    void commit(String group, String topic, Map<Integer, String> positions) throws SQLException;

    /** Drops the open batch (a partition was lost: what it held will be read again). */
    void discard();

    @Override
    void close();

    /**
     * Whether a failure is the database going away (a connection lost or refused, the server shutting
     * down), after which a consumer waits for it; anything else (a bad row, a bug) ends the consumer.
     * JDBC's words for it: SQLState class 08, or 57P01-57P03 (the server shutting down or starting).
     */
    static boolean lostConnection(final SQLException e)
    {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause())
        {
            if (t instanceof SQLTransientConnectionException || t instanceof SQLNonTransientConnectionException)
            {
                return true;
            }
            if (t instanceof SQLException s && s.getSQLState() != null &&
                (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P0")))
            {
                return true;
            }
        }
        return false;
    }
}
