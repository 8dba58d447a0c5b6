package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.tick.Tick;
import io.tickreplay.engine.tick.TickSink;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * Streams ticks into a table shaped like {@code tick_data} with one binary {@code COPY ... FROM STDIN}.
 *
 * <p>The caller owns the connection and its transaction: nothing is visible until it commits, and a
 * rollback leaves no row behind. Provider and symbol strings are encoded once and cached.
 * Single-threaded.
 */
public final class TickCopyWriter implements TickSink
{
    public static final String COLUMNS = "provider, symbol, ts, seq, price, size, bid, ask, bid_size, ask_size";
    private static final int MAX_FIXED_ROW_BYTES = 10 * 4 + 8 * 8 + 4;

    private final CopyBinaryEncoder encoder;
    private final Map<String, byte[]> utf8 = new HashMap<>();
    private String lastProvider;
    private byte[] lastProviderBytes;
    private String lastSymbol;
    private byte[] lastSymbolBytes;
    private long rows;

    /** Encodes into {@code target} (a COPY of the tick_data columns, in that order) instead of a connection's COPY. */
    TickCopyWriter(final CopyIn target) throws SQLException
    {
        this.encoder = new CopyBinaryEncoder(target, 1 << 16);
        encoder.header();
    }

    public TickCopyWriter(final Connection connection, final String table) throws SQLException
    {
        final PGConnection pg = connection.unwrap(PGConnection.class);
        this.encoder = new CopyBinaryEncoder(pg.getCopyAPI().copyIn("COPY " + table + " (" + COLUMNS + ") FROM STDIN (FORMAT binary)"), 1 << 20);
        encoder.header();
    }

    @Override
    public void onTick(final Tick tick)
    {
        try
        {
            write(tick);
        }
        catch (final SQLException e)
        {
            throw new CopyFailedException(e);
        }
    }

    /** As {@link #onTick(Tick)}, with the database's failure as a checked exception. */
    public void write(final Tick tick) throws SQLException
    {
        if (tick.provider != lastProvider)
        {
            lastProvider = tick.provider;
            lastProviderBytes = utf8.computeIfAbsent(tick.provider, CopyBinaryEncoder::utf8);
        }
        if (tick.symbol != lastSymbol)
        {
            lastSymbol = tick.symbol;
            lastSymbolBytes = utf8.computeIfAbsent(tick.symbol, CopyBinaryEncoder::utf8);
        }
        row(encoder, lastProviderBytes, lastSymbolBytes, tick);
        rows++;
        if (utf8.size() > 100_000)
        {
            utf8.clear(); // a file with ever-new symbols must not grow the cache without bound
        }
    }

    /** One {@code tick_data} row in binary COPY form, names given as UTF-8. */
    public static void row(final CopyBinaryEncoder encoder, final byte[] provider, final byte[] symbol, final Tick tick) throws SQLException
    {
        encoder.startRow(10, MAX_FIXED_ROW_BYTES + provider.length + symbol.length);
        encoder.text(provider);
        encoder.text(symbol);
        encoder.timestamptz(tick.tsMicros);
        encoder.int4(tick.seq);
        encoder.float8(tick.price);
        encoder.float8(tick.size);
        encoder.float8OrNull(tick.bid);
        encoder.float8OrNull(tick.ask);
        encoder.float8OrNull(tick.bidSize);
        encoder.float8OrNull(tick.askSize);
    }

    public long rows()
    {
        return rows;
    }

    /** Ends the COPY; the rows become part of the caller's transaction. Returns the rows the server counted. */
    public long finish() throws SQLException
    {
        return encoder.finish();
    }

    /** Abandons the COPY; the caller rolls its transaction back. */
    public void cancel()
    {
        encoder.cancel();
    }

    /** A COPY that the server refused, carried through {@link TickSink#onTick}. */
    public static final class CopyFailedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        CopyFailedException(final SQLException cause)
        {
            super(cause.getMessage(), cause);
        }

        public SQLException sqlException()
        {
            return (SQLException)getCause();
        }
    }
}
