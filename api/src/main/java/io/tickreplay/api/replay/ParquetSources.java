package io.tickreplay.api.replay;

import io.tickreplay.adapters.parquet.ParquetTickSource;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Parquet sources of a replay over several: their files (a glob in name order), their symbols (those
 * named, or every one the files hold, found by reading them once), their warm-up, and their readers.
 *
 * <p>Warm-up: the files' own ticks before the start. Signals with a time-based warm-up (VWAP from the
 * day's start, the tick rate's minute) read from there; a bar signal (RSI, Bollinger) needs a number
 * of minutes with ticks that only reading tells, so a run with one reads the files from their first tick.
 */
final class ParquetSources
{
    private ParquetSources()
    {
    }

    static PlannedSource plan(final ReplaySource source, final int index, final long startMicros, final List<String> signals)
    {
        final String field = "sources[" + index + "]";
        try
        {
            final List<Path> files = ParquetTickSource.files(source.parquet());
            if (files.isEmpty())
            {
                throw new ReplayRequest.InvalidField("sources", field + ".parquet: no file matches '" + source.parquet() + "'");
            }
            final List<String> symbols = source.symbols() != null ? source.symbols()
                : source.symbol() != null ? List.of(source.symbol())
                : ParquetTickSource.symbols(files, source.provider(), null, source.zone());
            if (symbols.isEmpty())
            {
                throw new ReplayRequest.InvalidField("sources", field + ": the files of '" + source.parquet() + "' hold no ticks");
            }
            return new PlannedSource(source, symbols, files, warmFrom(startMicros, signals));
        }
        catch (final IOException | IllegalArgumentException e)
        {
            if (e instanceof ReplayRequest.InvalidField f)
            {
                throw f;
            }
            throw new ReplayRequest.InvalidField("sources", field + ": " + e.getMessage());
        }
    }

    /** Where a Parquet source's reading starts: as SignalWarmup plans it, with bars meaning the files' beginning. */
    private static long warmFrom(final long startMicros, final List<String> signals)
    {
        if (signals.isEmpty())
        {
            return startMicros;
        }
        long from = startMicros;
        for (final SignalCalculator signal : SignalSet.of(signals, 1).calculators())
        {
            from = Math.min(from, signal.warmupFrom(startMicros));
            if (signal.warmupBars() > 0)
            {
                return Long.MIN_VALUE;
            }
        }
        return from;
    }

    static TickBatchSource open(final PlannedSource source, final SymbolTable symbols, final long endMicros)
    {
        return new ParquetTickSource(source.files(), source.spec().provider(), source.spec().symbol(), source.spec().zone(), symbols, source.warmFromMicros(),
            endMicros);
    }
}
