package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.BarStage;
import org.postgresql.PGConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Writes a run's completed bars into {@code bars_ohlcv} (each run's its own, by {@code run_id}; docs/runs.md):
 * binary COPY into a session-local staging table, merged with {@code INSERT ... ON CONFLICT (run_id,
 * provider, symbol, interval, ts) DO UPDATE} (a resumed run or a re-run of the same id leaves the same rows), committed at the end of a ring batch once the bars are a
 * second old or 4,096 strong, and at the end of the stream. One thread; a failure throws.
 */
public final class PgBarWriter implements BarSink, AutoCloseable
{
    private final DataSource dataSource;
    private final byte[][] providers;
    private final byte[][] symbols;
    /** A batch of bars is committed once it is this old (or at the end of the stream): bars stay fresh within a second. */
    static final long COMMIT_NANOS = 1_000_000_000L;
    /** ... or this big. */
    static final int COMMIT_BARS = 4096;

    private final long runId;
    private Connection connection;
    private CopyBinaryEncoder encoder;
    private long written;
    private int pending;
    private long batchStartNanos;

    public PgBarWriter(final DataSource dataSource, final String provider, final SymbolTable symbols, final long runId)
    {
        this.dataSource = dataSource;
        this.runId = runId;
        this.providers = new byte[symbols.size()][];
        this.symbols = new byte[symbols.size()][];
        for (int i = 0; i < symbols.size(); i++)
        {
            this.providers[i] = symbols.provider(i, provider).getBytes(StandardCharsets.UTF_8);
            this.symbols[i] = symbols.utf8(i);
        }
    }

    @Override
    public void bar(final int symbolId, final long interval, final long start, final double open, final double high, final double low,
        final double close, final double volume, final long trades, final double vwap)
    {
        try
        {
            if (encoder == null)
            {
                begin();
            }
            row(encoder, providers[symbolId], symbols[symbolId], interval, start, open, high, low, close, volume, trades, vwap, runId);
            written++;
            pending++;
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("writing bars: " + e.getMessage(), e);
        }
    }

    /**
     * Commits the bars so far once they are a second old or 4,096 strong: in a burst a bar completes
     * every few milliseconds, and a merge and commit per bar cost the server more than the signals did.
     */
    @Override
    public void endOfBatch()
    {
        if (encoder != null && (pending >= COMMIT_BARS || System.nanoTime() - batchStartNanos >= COMMIT_NANOS))
        {
            commit();
        }
    }

    private void commit()
    {
        if (encoder == null)
        {
            return;
        }
        try
        {
            encoder.finish();
            encoder = null;
            try (Statement s = connection.createStatement())
            {
                s.executeUpdate(MERGE);
            }
            connection.commit();
            pending = 0;
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("writing bars: " + e.getMessage(), e);
        }
    }

    @Override
    public void endOfStream()
    {
        commit();
    }

    /** Commits every bar so far, then acknowledges the marker. */
    @Override
    public void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        commit();
        barrier.ack(id);
    }

    private void begin() throws SQLException
    {
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement())
            {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS bars_stage (LIKE bars_ohlcv INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            }
            connection.commit();
        }
        encoder = new CopyBinaryEncoder(connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
            "COPY bars_stage (" + COLUMNS + ") FROM STDIN (FORMAT binary)"), 1 << 16);
        encoder.header();
        batchStartNanos = System.nanoTime();
    }

    /** The columns of a {@code bars_ohlcv} row in the order {@link #row} writes them. */
    public static final String COLUMNS = "provider, symbol, interval, ts, open, high, low, close, volume, trade_count, vwap, run_id";

    /** The merge of staged bars into {@code bars_ohlcv}: a bar written again replaces the one there. */
    public static final String MERGE = "INSERT INTO bars_ohlcv (" + COLUMNS + ") SELECT " + COLUMNS + " FROM bars_stage " +
        "ORDER BY run_id, provider, symbol, interval, ts " + // key order: concurrent merges of the same bars cannot deadlock
        "ON CONFLICT (run_id, provider, symbol, interval, ts) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, " +
        "close = EXCLUDED.close, volume = EXCLUDED.volume, trade_count = EXCLUDED.trade_count, vwap = EXCLUDED.vwap";

    /** One {@code bars_ohlcv} row in binary COPY form (the bus consumers write bars the same way). */
    public static void row(final CopyBinaryEncoder encoder, final byte[] provider, final byte[] symbol, final long interval, final long start,
        final double open, final double high, final double low, final double close, final double volume, final long trades, final double vwap,
        final long runId) throws SQLException
    {
        final byte[] name = BarBuilder.intervalName(interval).getBytes(StandardCharsets.UTF_8);
        encoder.startRow(12, 136 + provider.length + symbol.length + name.length);
        encoder.text(provider);
        encoder.text(symbol);
        encoder.text(name);
        encoder.timestamptz(start);
        encoder.float8(open);
        encoder.float8(high);
        encoder.float8(low);
        encoder.float8(close);
        encoder.float8(volume);
        encoder.int8(trades);
        encoder.float8OrNull(vwap);
        encoder.int8(runId);
    }

    /** Bars handed over so far (committed or about to be). */
    public long written()
    {
        return written;
    }

    @Override
    public void close()
    {
        if (encoder != null)
        {
            encoder.cancel();
            encoder = null;
        }
        if (connection != null)
        {
            try
            {
                connection.rollback();
                connection.close();
            }
            catch (final SQLException ignored)
            {
                // nothing to keep
            }
            connection = null;
        }
    }
}
