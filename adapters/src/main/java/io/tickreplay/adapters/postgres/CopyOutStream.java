package io.tickreplay.adapters.postgres;

import org.postgresql.copy.CopyOut;

import java.io.IOException;
import java.io.InputStream;
import java.sql.SQLException;

/**
 * A running {@code COPY ... TO STDOUT} read as a stream: the bytes of pgjdbc's messages one after the
 * other, ended when the COPY is. The tick source and the exporter both decode binary COPY through it.
 * One thread.
 */
public final class CopyOutStream extends InputStream
{
    private final CopyOut op;
    private byte[] current;
    private int at;
    private boolean ended;

public CopyOutStream(final CopyOut op)
    {
        this.op = op;
    }

    @Override
    public int read() throws IOException
    {
        final byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(final byte[] b, final int off, final int len) throws IOException
    {
        if (ended)
        {
            return -1;
        }
        if (current == null || at == current.length)
        {
            try
            {
                current = op.readFromCopy();
            }
            catch (final SQLException e)
            {
                throw new IOException(e.getMessage(), e);
            }
            at = 0;
            if (current == null)
            {
                ended = true;
                return -1;
            }
        }
        final int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
    }

    boolean ended()
    {
        return ended || !op.isActive();
    }
}
