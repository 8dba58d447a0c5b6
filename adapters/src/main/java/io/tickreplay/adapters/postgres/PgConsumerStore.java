package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.bus.ConsumerStore;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Tick;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A bus consumer's rows in PostgreSQL: one binary COPY batch in memory, written with the group's
 * positions ({@code bus_offsets}) in one transaction. Signals are COPYed straight into
 * {@code signals} until a key is already there (an earlier replay of the window), then merged
 * through a staging table from then on; bars merge as the replay's bar writer does; live ticks are
 * inserted once ({@code ON CONFLICT DO NOTHING}). One connection, taken at the first commit. One thread.
 */
public final class PgConsumerStore implements ConsumerStore
{
    private final DataSource dataSource;
    private final MemoryCopyIn batch = new MemoryCopyIn();
    private final CopyBinaryEncoder encoder = new CopyBinaryEncoder(batch, 1 << 16);
    private final SignalRowEncoder signalRows;
    private Connection connection;
    private boolean direct = true;
    private boolean open;
    private String origin;
    private long runId = -1;
    private int rows;
    /** What the open batch holds: a consumer has one role, so its rows are all of one kind. */
    private Kind kind = Kind.SIGNALS;

    private enum Kind
    {
        SIGNALS, BARS, TICKS
    }

    /** @param signals the consumer's signal names as {@link SignalSet#of} takes them: the ids {@link #signal} is given index them */
    public PgConsumerStore(final DataSource dataSource, final List<String> signals)
    {
        this.dataSource = dataSource;
        this.signalRows = new SignalRowEncoder(SignalSet.of(signals, 1).calculators()).mode(SignalMetadata.Mode.FULL);
    }

    @Override
    public Map<Integer, String> storedPositions(final String group, final String topic) throws SQLException
    {
        final Map<Integer, String> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT partition, next_position FROM bus_offsets WHERE \"group\" = ? AND topic = ?"))
        {
            s.setString(1, group);
            s.setString(2, topic);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.put(rs.getInt(1), rs.getString(2));
                }
            }
        }
        return out;
    }

    private void begin() throws SQLException
    {
        if (!open)
        {
            batch.clear();
            encoder.target(batch);
            encoder.header();
            open = true;
        }
    }

    @Override
    public void signal(final byte[] provider, final byte[] symbol, final int signalId, final long ts, final double value, final double m1,
        final double m2, final double m3, final String rowOrigin, final long rowRunId) throws SQLException
    {
        begin();
        if (rowRunId != runId || !rowOrigin.equals(origin))
        {
            origin = rowOrigin;
            runId = rowRunId;
            signalRows.context(rowOrigin, rowRunId);
        }
        signalRows.row(encoder, provider, symbol, signalId, ts, value, m1, m2, m3);
        kind = Kind.SIGNALS;
        rows++;
    }

    @Override
    public void bar(final byte[] provider, final byte[] symbol, final long interval, final long start, final double open, final double high,
        final double low, final double close, final double volume, final long trades, final double vwap) throws SQLException
    {
        begin();
        PgBarWriter.row(encoder, provider, symbol, interval, start, open, high, low, close, volume, trades, vwap);
        kind = Kind.BARS;
        rows++;
    }

    @Override
    public void tick(final byte[] provider, final byte[] symbol, final Tick tick) throws SQLException
    {
        begin();
        TickCopyWriter.row(encoder, provider, symbol, tick);
        kind = Kind.TICKS;
        rows++;
    }

    @Override
    public long pendingBytes()
    {
        return batch.length();
    }

    @Override
    public void commit(final String group, final String topic, final Map<Integer, String> positions) throws SQLException
    {
        if (open)
        {
            encoder.finish();
        }
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement())
            {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS signals_stage (LIKE signals INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
                s.execute("CREATE TEMP TABLE IF NOT EXISTS bars_stage (LIKE bars_ohlcv INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
                s.execute("CREATE TEMP TABLE IF NOT EXISTS live_tick_stage (LIKE tick_data INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            }
            connection.commit();
        }
        try
        {
            try
            {
                write(group, topic, positions);
            }
            catch (final SQLException e)
            {
                if (!(direct && "23505".equals(e.getSQLState())))
                {
                    throw e;
                }
                connection.rollback();
                direct = false; // some of these signals exist (an earlier replay of the window): merge from now on
                write(group, topic, positions);
            }
        }
        catch (final SQLException e)
        {
            dropConnection(); // a lost database leaves a dead connection: the next commit takes a new one
            throw e;
        }
        discard();
    }

    private void write(final String group, final String topic, final Map<Integer, String> positions) throws SQLException
    {
        final CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        if (rows > 0)
        {
            try (Statement s = connection.createStatement())
            {
                switch (kind)
                {
                    case SIGNALS ->
                    {
                        if (direct)
                        {
                            batch.sendTo(copy.copyIn("COPY signals (" + SignalRowEncoder.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                        }
                        else
                        {
                            batch.sendTo(copy.copyIn("COPY signals_stage (" + SignalRowEncoder.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                            s.executeUpdate("INSERT INTO signals (" + SignalRowEncoder.COLUMNS + ") SELECT " + SignalRowEncoder.COLUMNS +
                                " FROM signals_stage ORDER BY provider, symbol, ts, name" + // key order: no deadlock between members
                                " ON CONFLICT (provider, symbol, ts, name) DO UPDATE SET value = EXCLUDED.value, " +
                                "score = EXCLUDED.score, metadata = EXCLUDED.metadata, created_at = NOW()");
                        }
                    }
                    case BARS ->
                    {
                        batch.sendTo(copy.copyIn("COPY bars_stage (" + PgBarWriter.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                        s.executeUpdate(PgBarWriter.MERGE);
                    }
                    case TICKS ->
                    {
                        batch.sendTo(copy.copyIn("COPY live_tick_stage (" + TickCopyWriter.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                        s.executeUpdate("INSERT INTO tick_data (" + TickCopyWriter.COLUMNS + ") SELECT " + TickCopyWriter.COLUMNS +
                            " FROM live_tick_stage ON CONFLICT DO NOTHING");
                    }
                }
            }
        }
        try (PreparedStatement s = connection.prepareStatement("INSERT INTO bus_offsets (\"group\", topic, partition, next_position) " +
            "VALUES (?, ?, ?, ?) ON CONFLICT (\"group\", topic, partition) DO UPDATE SET next_position = EXCLUDED.next_position, updated_at = now()"))
        {
            for (final Map.Entry<Integer, String> p : positions.entrySet())
            {
                s.setString(1, group);
                s.setString(2, topic);
                s.setInt(3, p.getKey());
                s.setString(4, p.getValue());
                s.addBatch();
            }
            if (!positions.isEmpty())
            {
                s.executeBatch();
            }
        }
        connection.commit();
    }

    @Override
    public void discard()
    {
        if (open)
        {
            encoder.cancel();
        }
        open = false;
        rows = 0;
        batch.clear();
    }

    @Override
    public void close()
    {
        discard();
        dropConnection();
    }

    private void dropConnection()
    {
        if (connection != null)
        {
            try
            {
                connection.rollback();
                connection.close();
            }
            catch (final SQLException ignored)
            {
                // nothing uncommitted is kept
            }
            connection = null;
        }
    }
}
