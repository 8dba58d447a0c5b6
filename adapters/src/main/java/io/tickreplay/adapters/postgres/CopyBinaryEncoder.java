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

    private static final long[] POW10 = {1L, 10L, 100L, 1_000L, 10_000L, 100_000L, 1_000_000L, 10_000_000L, 100_000_000L, 1_000_000_000L,
        10_000_000_000L, 100_000_000_000L, 1_000_000_000_000L, 10_000_000_000_000L, 100_000_000_000_000L, 1_000_000_000_000_000L, 10_000_000_000_000_000L, 100_000_000_000_000_000L,
        1_000_000_000_000_000_000L};
    private static final double[] POW10D = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22};

    private CopyIn copyIn;
    private final byte[] buffer;
    private int position;
    private int jsonbStart = -1;
    private final byte[] scratch = new byte[20];

    public CopyBinaryEncoder(final CopyIn copyIn, final int bufferBytes)
    {
        this.copyIn = copyIn;
        this.buffer = new byte[bufferBytes];
    }

    /** Points a reused encoder (and its buffer) at the next COPY; whatever was buffered is dropped. */
    public CopyBinaryEncoder target(final CopyIn next)
    {
        this.copyIn = next;
        this.position = 0;
        this.jsonbStart = -1;
        return this;
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

    /** NULL. */
    public void nullValue()
    {
        putInt(-1);
    }

    /**
     * Starts a jsonb value written in place (its length is filled in by {@link #endJsonb()}): no
     * String or byte[] per row. The row's {@link #startRow} must have reserved room for it.
     */
    public void startJsonb()
    {
        jsonbStart = position;
        position += 4;
        buffer[position++] = 1; // jsonb's binary form: a version byte, then the JSON text
    }

    /** Appends ASCII (or UTF-8) bytes to the jsonb value being written. */
    public void raw(final byte[] bytes)
    {
        System.arraycopy(bytes, 0, buffer, position, bytes.length);
        position += bytes.length;
    }

    /** Appends a whole number's decimal digits. */
    public void digits(final long v)
    {
        if (v == Long.MIN_VALUE)
        {
            raw("-9223372036854775808".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        long rest = Math.abs(v);
        int n = 0;
        do
        {
            scratch[n++] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        while (rest != 0);
        if (v < 0)
        {
            buffer[position++] = '-';
        }
        while (n > 0)
        {
            buffer[position++] = scratch[--n];
        }
    }

    /**
     * Appends a finite double as a JSON number with 15 significant digits (PostgreSQL's own float8
     * text before version 12), trailing zeros dropped: 231.45 stays "231.45". Written in place for
     * magnitudes in [1e-4, 1e15); others (rare in signal metadata) go through {@link Double#toString}.
     */
    public void number(final double v)
    {
        final double a = Math.abs(v);
        if (a == 0)
        {
            buffer[position++] = '0';
            return;
        }
        if (!(a >= 1e-4 && a < 1e15))
        {
            raw(Double.toString(v).getBytes(StandardCharsets.US_ASCII));
            return;
        }
        // exponent e with 10^e <= a < 10^(e+1); scale so that 15 significant digits are whole
        int e = (int)Math.floor(Math.log10(a));
        if (POW10D[Math.max(0, e)] > a && e >= 0)
        {
            e--;
        }
        final int shift = 14 - e; // in [0, 18]
        long m = Math.round(a * POW10D[shift]);
        if (m >= POW10[15])
        {
            // rounding carried into a 16th digit (e.g. 9.99999999999999999)
            m /= 10;
            e++;
        }
        final int scale = 14 - e; // digits after the decimal point in m's 15 digits
        if (v < 0)
        {
            buffer[position++] = '-';
        }
        final long intPart = scale <= 0 ? m * POW10[-scale] : m / POW10[scale];
        long frac = scale <= 0 ? 0 : m % POW10[scale];
        digits(intPart);
        if (frac != 0)
        {
            int width = scale;
            while (frac % 10 == 0)
            {
                frac /= 10;
                width--;
            }
            buffer[position++] = '.';
            for (int i = width - 1; i >= 0; i--)
            {
                buffer[position++] = (byte)('0' + (frac / POW10[i]) % 10);
            }
        }
    }

    /** Ends the jsonb value begun by {@link #startJsonb()}: fills in its length. */
    public void endJsonb()
    {
        final int length = position - jsonbStart - 4;
        buffer[jsonbStart] = (byte)(length >>> 24);
        buffer[jsonbStart + 1] = (byte)(length >>> 16);
        buffer[jsonbStart + 2] = (byte)(length >>> 8);
        buffer[jsonbStart + 3] = (byte)length;
        jsonbStart = -1;
    }

    public void int2(final short value)
    {
        putInt(2);
        putShort(value);
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
