package io.tickreplay.adapters.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads PostgreSQL's binary COPY stream (the answer to {@code COPY (...) TO STDOUT (FORMAT binary)})
 * row by row and field by field, from one reusable buffer: {@link #nextRow()}, then for each column
 * in order {@link #next()} (false for NULL) and one of the typed getters. Text comes out as a slice
 * of the buffer ({@link #bytes()}, {@link #offset()}, {@link #length()}), valid until the next call.
 */
public final class CopyBinaryReader
{
    private final InputStream in;
    private byte[] buffer = new byte[1 << 16];
    private int position;
    private int limit;
    private int fieldsLeft;
    private int fieldOffset;
    private int fieldLength;

    public CopyBinaryReader(final InputStream in) throws IOException
    {
        this.in = in;
        require(19);
        if (buffer[0] != 'P' || buffer[1] != 'G' || buffer[2] != 'C' || buffer[3] != 'O' || buffer[4] != 'P' || buffer[5] != 'Y')
        {
            throw new IOException("not a binary COPY stream");
        }
        final int extension = getInt(15);
        position = 19;
        require(extension);
        position += extension;
    }

    /** Moves to the next row; false at the end of the stream. */
    public boolean nextRow() throws IOException
    {
        while (fieldsLeft > 0)
        {
            next(); // skip what the caller did not read
        }
        require(2);
        final short fields = (short)((buffer[position] & 0xff) << 8 | buffer[position + 1] & 0xff);
        position += 2;
        if (fields == -1)
        {
            return false;
        }
        fieldsLeft = fields;
        return true;
    }

    /** Moves to the next field of the row; false when it is NULL. */
    public boolean next() throws IOException
    {
        if (fieldsLeft == 0)
        {
            throw new IOException("no more fields in this COPY row");
        }
        fieldsLeft--;
        require(4);
        fieldLength = getInt(position);
        position += 4;
        if (fieldLength < 0)
        {
            return false;
        }
        require(fieldLength);
        fieldOffset = position;
        position += fieldLength;
        return true;
    }

    public double float8()
    {
        return Double.longBitsToDouble(getLong(fieldOffset));
    }

    public long int8()
    {
        return getLong(fieldOffset);
    }

    public int int4()
    {
        return getInt(fieldOffset);
    }

    /** A timestamptz as microseconds since the Unix epoch. */
    public long timestampMicros()
    {
        return getLong(fieldOffset) + CopyBinaryEncoder.PG_EPOCH_OFFSET_MICROS;
    }

    /** The field's bytes are {@code bytes()[offset() .. offset() + length())}: UTF-8 for text. */
    public byte[] bytes()
    {
        return buffer;
    }

    public int offset()
    {
        return fieldOffset;
    }

    public int length()
    {
        return fieldLength;
    }

    /** Reads what is left of the stream (a COPY is always read to its end). */
    public void drain() throws IOException
    {
        while (in.read(buffer, 0, buffer.length) >= 0)
        {
            // nothing after the trailer but the end of the stream
        }
        position = 0;
        limit = 0;
    }

    private void require(final int n) throws IOException
    {
        if (limit - position >= n)
        {
            return;
        }
        System.arraycopy(buffer, position, buffer, 0, limit - position);
        limit -= position;
        position = 0;
        if (n > buffer.length)
        {
            buffer = Arrays.copyOf(buffer, Math.max(n, buffer.length * 2)); // a long text field
        }
        while (limit < n)
        {
            final int read = in.read(buffer, limit, buffer.length - limit);
            if (read < 0)
            {
                throw new IOException("the COPY stream ended in the middle of a row");
            }
            limit += read;
        }
    }

    private int getInt(final int at)
    {
        return (buffer[at] & 0xff) << 24 | (buffer[at + 1] & 0xff) << 16 | (buffer[at + 2] & 0xff) << 8 | buffer[at + 3] & 0xff;
    }

    private long getLong(final int at)
    {
        return (long)getInt(at) << 32 | getInt(at + 4) & 0xffffffffL;
    }
}
