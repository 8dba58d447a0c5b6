package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.bus.ConsumerStore;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Tick;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * A bus consumer's rows in PostgreSQL: one binary COPY batch in memory, written with the group's
 * positions ({@code bus_offsets}) in one transaction. Signals are COPYed straight into
 * {@code signal_rows} (each row into its run's partition, live = run 0; docs/runs.md) until a key is
 * already there (a consumer that re-reads what it wrote before), then merged through a staging
 * table, run by run, from then on; bars merge as the replay's bar writer does; live ticks are
 * inserted once ({@code ON CONFLICT DO NOTHING}). One connection, taken at the first commit. One thread.
 */
public final class PgConsumerStore implements ConsumerStore
{
    private final DataSource dataSource;
    private final MemoryCopyIn batch = new MemoryCopyIn();
    private final CopyBinaryEncoder encoder = new CopyBinaryEncoder(batch, 1 << 16);
    private final SignalRowEncoder signalRows;
    private final List<SignalCalculator> signals;
    private final SeriesKeyIds keys;
    private Connection connection;
    private boolean direct = true;
    private boolean open;
    /** The runs of the open batch's signal rows (few: a consumer sees live and a run or two at a time). */
    private long[] runs = new long[4];
    private int runCount;
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
        this.signals = SignalSet.of(signals, 1).calculators();
        this.signalRows = new SignalRowEncoder(this.signals).mode(SignalMetadata.Mode.FULL);
        this.keys = new SeriesKeyIds(new SignalStore(dataSource));
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
        final double m2, final double m3, final long runId) throws SQLException
    {
        if (!signalRows.hasNameIds())
        {
            signalRows.nameIds(new SignalStore(dataSource).nameIds(signals));
        }
        final int keyId = keys.of(provider, symbol);
        begin();
        if (runId != signalRows.run() || runCount == 0)
        {
            signalRows.run(runId);
            noteRun(runId);
        }
        signalRows.row(encoder, keyId, signalId, ts, value, m1, m2, m3);
        kind = Kind.SIGNALS;
        rows++;
    }

    @Override
    public void bar(final byte[] provider, final byte[] symbol, final long interval, final long start, final double open, final double high,
        final double low, final double close, final double volume, final long trades, final double vwap, final long runId) throws SQLException
    {
        begin();
        PgBarWriter.row(encoder, provider, symbol, interval, start, open, high, low, close, volume, trades, vwap, runId);
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
                s.execute("CREATE TEMP TABLE IF NOT EXISTS signal_rows_stage (LIKE signal_rows) ON COMMIT DELETE ROWS");
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
                        for (int i = 0; i < runCount; i++)
                        {
                            SignalStore.partition(connection, runs[i]);
                        }
                        if (direct)
                        {
                            batch.sendTo(copy.copyIn("COPY signal_rows (" + SignalStore.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                        }
                        else
                        {
                            batch.sendTo(copy.copyIn("COPY signal_rows_stage (" + SignalStore.COLUMNS + ") FROM STDIN (FORMAT binary)"));
                            for (int i = 0; i < runCount; i++)
                            {
                                s.executeUpdate(SignalStore.mergeInto(SignalStore.partitionName(runs[i]), "signal_rows_stage WHERE run_id = " + runs[i]));
                            }
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

    private void noteRun(final long runId)
    {
        for (int i = 0; i < runCount; i++)
        {
            if (runs[i] == runId)
            {
                return;
            }
        }
        if (runCount == runs.length)
        {
            runs = Arrays.copyOf(runs, runCount * 2);
        }
        runs[runCount++] = runId;
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
        runCount = 0;
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
