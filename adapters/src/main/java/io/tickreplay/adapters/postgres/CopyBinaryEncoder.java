package io.tickreplay.adapters.postgres;

import org.postgresql.copy.CopyIn;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * Encodes rows in PostgreSQL's binary COPY format into a reusable buffer and ships it to a
 * {@link CopyIn} a megabyte at a time.
 *
 * <pre>
 *   file   = "PGCOPY\n\377\r\n\0" | int32 flags = 0 | int32 extension length = 0 | row* | int16 -1
 *   row    = int16 field count | field*
 *   field  = int32 length (-1 = NULL) | bytes
 *   text   = UTF-8 bytes;  int4 / int8 / float8 = big-endian;  timestamptz = int8 microseconds since 2000-01-01 UTC
 * </pre>
 *
 * <p>Single-threaded; allocation-free per row once the text values it sees are cached by the caller.
 */
public final class CopyBinaryEncoder
{
    /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
    public static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;

    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte)0xff, '\r', '\n', 0};

    private final CopyIn copyIn;
    private final byte[] buffer;
    private int position;

    public CopyBinaryEncoder(final CopyIn copyIn, final int bufferBytes)
    {
        this.copyIn = copyIn;
        this.buffer = new byte[bufferBytes];
    }

    public void header() throws SQLException
    {
        ensure(SIGNATURE.length + 8);
        System.arraycopy(SIGNATURE, 0, buffer, position, SIGNATURE.length);
        position += SIGNATURE.length;
        putInt(0);
        putInt(0);
    }

    public void startRow(final int fields, final int maxRowBytes) throws SQLException
    {
        ensure(2 + maxRowBytes);
        putShort(fields);
    }

    public void text(final byte[] utf8)
    {
        putInt(utf8.length);
        System.arraycopy(utf8, 0, buffer, position, utf8.length);
        position += utf8.length;
    }

    /** A jsonb value: its binary form is a version byte (1) followed by the JSON text. */
    public void jsonb(final byte[] utf8Json)
    {
        putInt(utf8Json.length + 1);
        buffer[position++] = 1;
        System.arraycopy(utf8Json, 0, buffer, position, utf8Json.length);
        position += utf8Json.length;
    }

    public void int4(final int value)
    {
        putInt(4);
        putInt(value);
    }

    public void int8(final long value)
    {
        putInt(8);
        putLong(value);
    }

    public void float8(final double value)
    {
        putInt(8);
        putLong(Double.doubleToRawLongBits(value));
    }

    /** A double, or NULL when it is NaN (the engine's "absent"). */
    public void float8OrNull(final double value)
    {
        if (Double.isNaN(value))
        {
            putInt(-1);
        }
        else
        {
            float8(value);
        }
    }

    public void timestamptz(final long epochMicros)
    {
        int8(epochMicros - PG_EPOCH_OFFSET_MICROS);
    }

    /** Writes the trailer and hands everything buffered to the server; returns what {@link CopyIn#endCopy()} counts. */
    public long finish() throws SQLException
    {
        ensure(2);
        putShort(-1);
        flush();
        return copyIn.endCopy();
    }

    public void flush() throws SQLException
    {
        if (position > 0)
        {
            copyIn.writeToCopy(buffer, 0, position);
            position = 0;
        }
    }

    public void cancel()
    {
        try
        {
            if (copyIn.isActive())
            {
                copyIn.cancelCopy();
            }
        }
        catch (final SQLException ignored)
        {
            // the transaction is rolled back by the caller either way
        }
    }

    public static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void ensure(final int bytes) throws SQLException
    {
        if (position + bytes > buffer.length)
        {
            flush();
            if (bytes > buffer.length)
            {
                throw new SQLException("row of " + bytes + " bytes exceeds the COPY buffer of " + buffer.length);
            }
        }
    }

    private void putShort(final int v)
    {
        buffer[position++] = (byte)(v >>> 8);
        buffer[position++] = (byte)v;
    }

    private void putInt(final int v)
    {
        buffer[position++] = (byte)(v >>> 24);
        buffer[position++] = (byte)(v >>> 16);
        buffer[position++] = (byte)(v >>> 8);
        buffer[position++] = (byte)v;
    }

    private void putLong(final long v)
    {
        putInt((int)(v >>> 32));
        putInt((int)v);
    }
}
