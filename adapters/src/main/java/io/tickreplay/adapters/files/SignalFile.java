package io.tickreplay.adapters.files;

import io.tickreplay.engine.signals.SignalSink;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A replay's signals written straight to a file for a feature set, no table in between: the
 * columns of {@code signals} ({@code provider, symbol, ts, name, value, score, metadata}). The file
 * appears under its name only on {@link #commit()}, when the replay completed; {@link #close()}
 * without a commit leaves nothing behind. Each calculator shard writes through its own
 * {@link #shard()} sink (on its writer thread); per symbol the rows are in order. The api picks the
 * implementation by the file's extension ({@code csv.CsvSignalFile}, {@code parquet.ParquetSignalFile}).
 */
public interface SignalFile extends AutoCloseable
{
    /** A sink for one shard's writer thread. */
    SignalSink shard();

    Path path();

    /** Rows written so far. */
    long rows();

    /** Makes the file appear under its name: call when the replay completed. */
    void commit() throws IOException;

    /** Drops the file unless it was committed. */
    @Override
    void close();
}
