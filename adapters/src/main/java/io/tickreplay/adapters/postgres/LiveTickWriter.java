package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.tick.Tick;
import org.postgresql.PGConnection;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Batches live ticks into {@code tick_data}: encoded in memory, COPYed into a session-local staging
 * table, merged with {@code ON CONFLICT DO NOTHING}. Not thread-safe: the caller serialises.
 */
public final class LiveTickWriter implements AutoCloseable
{
    static final int LATE_SEQ_BASE = 1_000_000_000;

    private final DataSource dataSource;
    private final int batchRows;
    private final long batchNanos;
    private final Map<String, long[]> seqState = new HashMap<>();
    private final Tick tick = new Tick();
    private final MemoryCopyIn batch = new MemoryCopyIn();
    private TickCopyWriter encoder;
    private Connection connection;
    private int rows;
    private long batchStart;
    private long written;

    public LiveTickWriter(final DataSource dataSource, final int batchRows, final long batchMillis)
    {
        this.dataSource = dataSource;
        this.batchRows = batchRows;
        this.batchNanos = batchMillis * 1_000_000L;
    }

    public void add(final BusMessage m) throws SQLException
    {
        if (encoder == null)
        {
            batch.clear();
            encoder = new TickCopyWriter(batch);
            batchStart = System.nanoTime();
            rows = 0;
        }
        m.toTick(tick).seq = seq(m.provider, m.symbol, m.tsMicros);
        encoder.write(tick);
        rows++;
        if (rows >= batchRows)
        {
            flush();
        }
    }

    /** Arrival order within (provider, symbol, ts); late ticks get seq from LATE_SEQ_BASE up. State: {lastTs, count, late}. */
    private int seq(final String provider, final String symbol, final long ts)
    {
        final long[] s = seqState.computeIfAbsent(provider + '\u0000' + symbol, k -> new long[] {Long.MIN_VALUE, 0, 0});
        if (ts == s[0])
        {
            return (int)++s[1];
        }
        if (ts > s[0])
        {
            s[0] = ts;
            s[1] = 0;
            return 0;
        }
        return (int)(LATE_SEQ_BASE + s[2]++);
    }

    public void flushIfDue() throws SQLException
    {
        if (encoder != null && (rows >= batchRows || System.nanoTime() - batchStart >= batchNanos))
        {
            flush();
        }
    }

    public void flush() throws SQLException
    {
        if (encoder == null)
        {
            return;
        }
        encoder.finish();
        encoder = null;
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement())
            {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS live_tick_stage (LIKE tick_data INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            }
            connection.commit();
        }
        try
        {
            batch.sendTo(connection.unwrap(PGConnection.class).getCopyAPI()
                .copyIn("COPY live_tick_stage (" + TickCopyWriter.COLUMNS + ") FROM STDIN (FORMAT binary)"));
            try (Statement s = connection.createStatement())
            {
                written += s.executeUpdate("INSERT INTO tick_data (" + TickCopyWriter.COLUMNS + ") SELECT " + TickCopyWriter.COLUMNS +
                    " FROM live_tick_stage ON CONFLICT DO NOTHING");
            }
            connection.commit();
        }
        catch (final SQLException e)
        {
            connection.rollback();
            throw e;
        }
    }

    public long written()
    {
        return written;
    }

    @Override
    public void close() throws SQLException
    {
        flush();
        if (connection != null)
        {
            connection.close();
            connection = null;
        }
    }
}
