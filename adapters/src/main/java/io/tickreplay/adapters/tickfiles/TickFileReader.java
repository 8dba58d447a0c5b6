package io.tickreplay.adapters.tickfiles;

import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.files.TickRowReader;
import io.tickreplay.adapters.parquet.ParquetTickReader;
import io.tickreplay.engine.tick.Tick;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.DoubleSupplier;

/**
 * The trades of a tick file, whatever its format: Parquet when it starts with {@code PAR1}, otherwise CSV (gzip by its
 * magic bytes), never by its name. Quote rows are absorbed into the trades after them (see QuoteBook).
 *
 * <p>The one place that knows both formats, so it sits in a package of its own above {@code csv} and {@code parquet};
 * both readers are {@link TickRowReader}s, and this wraps either with what the import reports: how much of the file is
 * read and which format it was.
 */
public interface TickFileReader extends Closeable
{
    /** Reads the next trade into {@code tick} (every field but {@code seq}); false at the end of the file. */
    boolean next(Tick tick) throws IOException, TickRowException;

    /** The line (CSV) or row (Parquet) of the row last returned or rejected. */
    long lineNumber();

    /** Quote rows read so far: not ticks. */
    long quotesRead();

    /** How much of the file has been read, 0..1, for progress. */
    double fractionRead();

    /** {@code csv} or {@code parquet}. */
    String format();

    static TickFileReader open(final Path file, final TickRowReader.Options options) throws IOException, TickRowException
    {
        if (ParquetTickReader.isParquet(file))
        {
            final ParquetTickReader parquet = ParquetTickReader.open(file, options);
            return new Opened(parquet, "parquet", parquet::fractionRead);
        }
        final double bytes = Math.max(1, Files.size(file));
        final CountingInputStream counting = new CountingInputStream(Files.newInputStream(file));
        final TickCsvReader csv;
        try
        {
            csv = TickCsvReader.open(new BufferedInputStream(counting, 1 << 16), options);
        }
        catch (final IOException | TickRowException | RuntimeException e)
        {
            counting.close();
            throw e;
        }
        return new Opened(csv, "csv", () -> Math.min(1.0, counting.count / bytes));
    }

    /** A reader of either format, with its label and how the share read is measured. */
    final class Opened implements TickFileReader
    {
        private final TickRowReader reader;
        private final String format;
        private final DoubleSupplier fractionRead;

        Opened(final TickRowReader reader, final String format, final DoubleSupplier fractionRead)
        {
            this.reader = reader;
            this.format = format;
            this.fractionRead = fractionRead;
        }

        @Override
        public boolean next(final Tick tick) throws IOException, TickRowException
        {
            return reader.next(tick);
        }

        @Override
        public long lineNumber()
        {
            return reader.lineNumber();
        }

        @Override
        public long quotesRead()
        {
            return reader.quotesRead();
        }

        @Override
        public double fractionRead()
        {
            return fractionRead.getAsDouble();
        }

        @Override
        public String format()
        {
            return format;
        }

        @Override
        public void close() throws IOException
        {
            reader.close();
        }
    }

    /** Counts the bytes read from the file (compressed ones for a gzip file), for {@link #fractionRead()}. */
    final class CountingInputStream extends FilterInputStream
    {
        long count;

        CountingInputStream(final InputStream in)
        {
            super(in);
        }

        @Override
        public int read() throws IOException
        {
            final int b = super.read();
            if (b >= 0)
            {
                count++;
            }
            return b;
        }

        @Override
        public int read(final byte[] b, final int off, final int len) throws IOException
        {
            final int n = super.read(b, off, len);
            if (n > 0)
            {
                count += n;
            }
            return n;
        }

        @Override
        public boolean markSupported()
        {
            return false;
        }
    }
}
