package io.tickreplay.adapters.files;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.GZIPOutputStream;

/**
 * A file that appears under its name only when complete: written under a temporary name beside the target
 * ({@link TempFiles#beside}), moved into place by {@link #commit()}; {@link #close()} without a commit deletes it, so a
 * failed or cancelled write leaves nothing partial. What every file sink does (the CSV and Parquet signal files, the
 * feature files, {@code parquet.ParquetRowWriter}), written once.
 *
 * <p>Costs a file creation and a rename; the writing is the caller's. One thread, or the caller's lock.
 */
public final class PendingFile implements AutoCloseable
{
    private final Path target;
    private final Path tmp;
    private Closeable out;
    private boolean committed;

    private PendingFile(final Path target, final Path tmp)
    {
        this.target = target;
        this.tmp = tmp;
    }

    /** Creates the temporary file beside {@code target} (its directory created if missing). */
    public static PendingFile beside(final Path target) throws IOException
    {
        return new PendingFile(target, TempFiles.beside(target));
    }

    /** Where the file appears on {@link #commit()}. */
    public Path target()
    {
        return target;
    }

    /** Where it is written until then. */
    public Path tmp()
    {
        return tmp;
    }

    /**
     * A UTF-8 text writer on the temporary file, buffered by 64 KiB, gzip-compressed when {@code gzip}; {@link #commit()}
     * and {@link #close()} close it. Call once.
     */
    public Writer textWriter(final boolean gzip) throws IOException
    {
        final OutputStream file = Files.newOutputStream(tmp);
        try
        {
            final OutputStream stream = gzip ? new GZIPOutputStream(file, 1 << 16) : file;
            final Writer writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), 1 << 16);
            out = writer;
            return writer;
        }
        catch (final IOException | RuntimeException e)
        {
            file.close();
            throw e;
        }
    }

    /** Closes the writer (if this made one) and moves the file into place under its name, replacing what was there. */
    public void commit() throws IOException
    {
        if (out != null)
        {
            out.close();
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
    }

    /** Abandons the file unless it was committed: closes the writer quietly and deletes the temporary file. */
    @Override
    public void close()
    {
        if (committed)
        {
            return;
        }
        if (out != null)
        {
            try
            {
                out.close();
            }
            catch (final IOException ignored)
            {
                // going away anyway
            }
        }
        try
        {
            Files.deleteIfExists(tmp);
        }
        catch (final IOException ignored)
        {
            // nothing more to do
        }
    }
}
