package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.signals.BarSink;
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
 * Writes completed bars into {@code bars_ohlcv}: binary COPY into a session-local staging table,
 * merged with {@code INSERT ... ON CONFLICT (provider, symbol, interval, ts) DO UPDATE} at the end of
 * each ring batch (a replay over the same window leaves the same rows). Bars are few (one a minute
 * per symbol and interval), so there is no row threshold. One thread; a failure throws.
 */
public final class PgBarWriter implements BarSink, AutoCloseable
{
    private final DataSource dataSource;
    private final byte[] provider;
    private final byte[][] symbols;
    private Connection connection;
    private CopyBinaryEncoder encoder;
    private long written;

    public PgBarWriter(final DataSource dataSource, final String provider, final SymbolTable symbols)
    {
        this.dataSource = dataSource;
        this.provider = provider.getBytes(StandardCharsets.UTF_8);
        this.symbols = new byte[symbols.size()][];
        for (int i = 0; i < symbols.size(); i++)
        {
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
            final byte[] name = BarBuilder.intervalName(interval).getBytes(StandardCharsets.UTF_8);
            encoder.startRow(11, 128 + provider.length + symbols[symbolId].length + name.length);
            encoder.text(provider);
            encoder.text(symbols[symbolId]);
            encoder.text(name);
            encoder.timestamptz(start);
            encoder.float8(open);
            encoder.float8(high);
            encoder.float8(low);
            encoder.float8(close);
            encoder.float8(volume);
            encoder.int8(trades);
            encoder.float8OrNull(vwap);
            written++;
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("writing bars: " + e.getMessage(), e);
        }
    }

    @Override
    public void endOfBatch()
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
                s.executeUpdate("INSERT INTO bars_ohlcv (provider, symbol, interval, ts, open, high, low, close, volume, trade_count, vwap) " +
                    "SELECT provider, symbol, interval, ts, open, high, low, close, volume, trade_count, vwap FROM bars_stage " +
                    "ON CONFLICT (provider, symbol, interval, ts) DO UPDATE SET open = EXCLUDED.open, high = EXCLUDED.high, low = EXCLUDED.low, " +
                    "close = EXCLUDED.close, volume = EXCLUDED.volume, trade_count = EXCLUDED.trade_count, vwap = EXCLUDED.vwap");
            }
            connection.commit();
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("writing bars: " + e.getMessage(), e);
        }
    }

    @Override
    public void endOfStream()
    {
        endOfBatch();
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
            "COPY bars_stage (provider, symbol, interval, ts, open, high, low, close, volume, trade_count, vwap) FROM STDIN (FORMAT binary)"), 1 << 16);
        encoder.header();
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
