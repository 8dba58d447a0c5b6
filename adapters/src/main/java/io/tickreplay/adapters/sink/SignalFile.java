package io.tickreplay.adapters.sink;

import io.tickreplay.adapters.csv.CsvSignalFile;
import io.tickreplay.adapters.parquet.ParquetSignalFile;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalShardStage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A replay's signals written straight to a file for a feature set, no table in between: the
 * columns of {@code signals} ({@code provider, symbol, ts, name, value, score, metadata}). The file
 * appears under its name only on {@link #commit()}, when the replay completed; {@link #close()}
 * without a commit leaves nothing behind. Each calculator shard writes through its own
 * {@link #shard()} sink (on its writer thread); per symbol the rows are in order.
 */
public interface SignalFile extends AutoCloseable
{
    /** The file name endings a replay's sink may have. */
    List<String> EXTENSIONS = List.of(".csv", ".csv.gz", ".parquet");

    /** A sink for one shard's writer thread. */
    SignalShardStage.Sink shard();

    Path path();

    /** Rows written so far. */
    long rows();

    /** Makes the file appear under its name: call when the replay completed. */
    void commit() throws IOException;

    /** Drops the file unless it was committed. */
    @Override
    void close();

    /** True when {@code name} ends in one of {@link #EXTENSIONS}. */
    static boolean supports(final String name)
    {
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** Opens the file kind its name says: {@code .parquet}, or CSV ({@code .csv}, {@code .csv.gz}). */
    static SignalFile open(final Path target, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final String origin, final long runId) throws IOException
    {
        final String name = target.getFileName().toString();
        if (!supports(name))
        {
            throw new IllegalArgumentException("a signals file must end in one of " + EXTENSIONS + ": " + target);
        }
        return name.endsWith(".parquet") ? new ParquetSignalFile(target, provider, symbols, signals, origin, runId)
            : new CsvSignalFile(target, provider, symbols, signals, origin, runId);
    }
}
