package io.tickreplay.adapters.csv;

import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;
import io.tickreplay.engine.tick.TickSink;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes ticks as CSV with the header {@code provider,symbol,ts,seq,price,size,bid,ask,bid_size,ask_size}:
 * the column order of {@code tick_data}, so PostgreSQL's own {@code COPY ... (FORMAT csv, HEADER)}
 * loads the same file, and ISO-8601 UTC timestamps. Absent values are empty. Single-threaded.
 */
public final class TickCsvWriter implements TickSink, AutoCloseable
{
    public static final String HEADER = "provider,symbol,ts,seq,price,size,bid,ask,bid_size,ask_size";

    private final Writer out;
    private final StringBuilder line = new StringBuilder(160);
    private long rows;

    public TickCsvWriter(final Writer out) throws IOException
    {
        this.out = out instanceof BufferedWriter ? out : new BufferedWriter(out, 1 << 16);
        this.out.write(HEADER);
        this.out.write('\n');
    }

    @Override
    public void onTick(final Tick tick)
    {
        line.setLength(0);
        line.append(tick.provider).append(',').append(tick.symbol).append(',')
            .append(Micros.toInstant(tick.tsMicros)).append(',').append(tick.seq).append(',')
            .append(tick.price).append(',').append(tick.size).append(',');
        optional(tick.bid).append(',');
        optional(tick.ask).append(',');
        optional(tick.bidSize).append(',');
        optional(tick.askSize).append('\n');
        try
        {
            out.append(line);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
        rows++;
    }

    private StringBuilder optional(final double value)
    {
        return Double.isNaN(value) ? line : line.append(value);
    }

    public long rows()
    {
        return rows;
    }

    @Override
    public void flush()
    {
        try
        {
            out.flush();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException
    {
        out.close();
    }
}
