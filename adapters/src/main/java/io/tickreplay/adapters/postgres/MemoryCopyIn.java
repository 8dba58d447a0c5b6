package io.tickreplay.adapters.postgres;

import org.postgresql.copy.CopyIn;
import org.postgresql.util.ByteStreamWriter;

import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Arrays;

/**
 * A {@link CopyIn} that keeps what is written in memory, so that a batch encoded once can be sent,
 * and sent again to another table if the first try is refused. Single-threaded; grows as needed.
 */
public class MemoryCopyIn implements CopyIn
{
    private byte[] bytes = new byte[1 << 16];
    private int length;

    @Override
    public void writeToCopy(final byte[] buf, final int off, final int siz) throws SQLException
    {
        if (length + siz > bytes.length)
        {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + siz));
        }
        System.arraycopy(buf, off, bytes, length, siz);
        length += siz;
    }

    @Override
    public void writeToCopy(final ByteStreamWriter from) throws SQLException
    {
        throw new SQLFeatureNotSupportedException("not used");
    }

    @Override
    public void flushCopy()
    {
    }

    @Override
    public long endCopy() throws SQLException
    {
        return 0;
    }

    @Override
    public int getFieldCount()
    {
        return 0;
    }

    @Override
    public int getFormat()
    {
        return 1;
    }

    @Override
    public int getFieldFormat(final int field)
    {
        return 1;
    }

    @Override
    public boolean isActive()
    {
        return true;
    }

    @Override
    public void cancelCopy() throws SQLException
    {
        length = 0;
    }

    @Override
    public long getHandledRowCount()
    {
        return 0;
    }

    /** Sends everything kept to {@code target} and ends that COPY. */
    public long sendTo(final CopyIn target) throws SQLException
    {
        target.writeToCopy(bytes, 0, length);
        return target.endCopy();
    }

    /** Writes everything kept to {@code target} without ending that COPY. */
    public void writeTo(final CopyIn target) throws SQLException
    {
        if (length > 0)
        {
            target.writeToCopy(bytes, 0, length);
        }
    }

    /** Bytes kept. */
    public int length()
    {
        return length;
    }

    public void clear()
    {
        length = 0;
    }
}
