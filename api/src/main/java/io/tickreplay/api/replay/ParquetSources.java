package io.tickreplay.api.replay;

import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;

import java.io.IOException;

/** Parquet sources of a replay over several: their files, their symbols and their readers. */
final class ParquetSources
{
    private ParquetSources()
    {
    }

    static PlannedSource plan(final ReplaySource source, final int index, final long startMicros)
    {
        throw new ReplayRequest.InvalidField("sources", "sources[" + index + "]: Parquet sources are not available in this build");
    }

    static TickBatchSource open(final PlannedSource source, final SymbolTable symbols, final long endMicros, final int batchSize) throws IOException
    {
        throw new IOException("Parquet sources are not available in this build");
    }
}
