package io.tickreplay.adapters.csv;

import io.tickreplay.adapters.files.PendingFile;
import io.tickreplay.adapters.files.SignalFile;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;

/**
 * A replay's signals straight into a CSV file ({@code .csv} or {@code .csv.gz}), no table in between:
 * the columns of {@code signals} ({@code provider,symbol,ts,name,value,score,metadata}, metadata as a
 * JSON string). Written under a temporary name beside the file and renamed when the replay completes
 * ({@link PendingFile}), so a failed or cancelled run leaves no partial file. Shards write through
 * {@link #shard()} sinks that buffer a ring batch and append it under a lock: per symbol the rows are
 * in order; across symbols they interleave as the shards ran.
 */
public final class CsvSignalFile implements SignalFile
{
    private final PendingFile file;
    private final Writer out;
    private final String provider;
    private final SymbolTable symbols;
    private final List<SignalCalculator> signals;
    private final String origin;
    private final long runId;
    private long rows;
    private boolean failed;

    /** @param gzip compress the file ({@code .csv.gz}) */
    public CsvSignalFile(final Path target, final boolean gzip, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final String origin, final long runId) throws IOException
    {
        this.file = PendingFile.beside(target);
        this.provider = provider;
        this.symbols = symbols;
        this.signals = signals;
        this.origin = origin;
        this.runId = runId;
        try
        {
            this.out = file.textWriter(gzip);
            out.write("provider,symbol,ts,name,value,score,metadata\n");
        }
        catch (final IOException | RuntimeException e)
        {
            file.close();
            throw e;
        }
    }

    @Override
    public SignalSink shard()
    {
        return new SignalSink()
        {
            private final StringBuilder buffer = new StringBuilder(1 << 16);
            private final StringBuilder json = new StringBuilder(256);

            @Override
            public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                final SignalCalculator signal = signals.get(signalId);
                buffer.append(symbols.provider(symbolId, provider)).append(',').append(symbols.name(symbolId)).append(',').append(Micros.toInstant(ts)).append(',')
                    .append(signal.name()).append(',').append(value).append(",,\"");
                json.setLength(0);
                SignalMetadata.append(json, origin, runId, signal.metadataKeys(), m1, m2, m3);
                for (int k = 0; k < json.length(); k++)
                {
                    final char c = json.charAt(k);
                    buffer.append(c);
                    if (c == '"')
                    {
                        buffer.append('"'); // CSV doubles the quotes inside a quoted field
                    }
                }
                buffer.append("\"\n");
                if (buffer.length() > 1 << 16)
                {
                    endOfBatch();
                }
            }

            @Override
            public void endOfBatch()
            {
                if (buffer.length() > 0)
                {
                    append(buffer);
                    buffer.setLength(0);
                }
            }

            @Override
            public void endOfStream()
            {
                endOfBatch();
            }
        };
    }

    private synchronized void append(final CharSequence lines)
    {
        try
        {
            out.append(lines);
            for (int i = 0; i < lines.length(); i++)
            {
                if (lines.charAt(i) == '\n')
                {
                    rows++;
                }
            }
        }
        catch (final IOException e)
        {
            failed = true;
            throw new UncheckedIOException("writing " + file.target() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path path()
    {
        return file.target();
    }

    @Override
    public synchronized long rows()
    {
        return rows;
    }

    @Override
    public synchronized void commit() throws IOException
    {
        file.commit();
    }

    /** Drops the temporary file unless committed: the replay did not complete. */
    @Override
    public synchronized void close()
    {
        file.close();
    }

    public boolean failed()
    {
        return failed;
    }
}
