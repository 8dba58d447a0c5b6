package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.files.SeqAssigner;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.files.TickRowReader;
import io.tickreplay.adapters.tickfiles.TickFileReader;
import io.tickreplay.engine.tick.Tick;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.DoubleConsumer;
import javax.sql.DataSource;

/**
 * Loads a tick file (CSV or Parquet, {@link TickFileReader}) into {@code tick_data} in one transaction, through binary COPY.
 *
 * <p>All or nothing: with {@link OnError#FAIL} the first bad row aborts the COPY and rolls back, so
 * nothing of the file is kept; with {@link OnError#SKIP} bad rows are counted and reported and the
 * rest commits together.
 *
 * <p>Re-import is idempotent. The fast path copies straight into {@code tick_data}; if a row's key is
 * already there (the same file again, or an overlapping one) the server refuses it, the attempt is
 * rolled back and repeated through a temporary staging table with
 * {@code INSERT ... ON CONFLICT DO NOTHING}, which keeps the rows already stored and adds the new ones.
 * Keys are stable because {@code seq} is numbered from the file's own rows ({@link SeqAssigner}).
 *
 * <p>Memory is constant in the file's size (one row in flight, a 1 MiB COPY buffer, a counter per
 * symbol), except for a file that is not sorted by time per symbol, which costs ~32 bytes per
 * distinct timestamp.
 */
public final class TickImporter
{
    public enum OnError
    {
        FAIL, SKIP
    }

    private static final int SKIPPED_SAMPLE = 20;

    private final DataSource dataSource;

    public TickImporter(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /**
     * What an import did. {@code format} is "csv" or "parquet"; {@code rowsRead} counts trades (ticks), {@code quotesRead}
     * the quote rows carried into them; {@code strategy} is "copy" (straight into tick_data) or "merge" (through staging,
     * existing rows kept).
     */
    public record Result(
        Path file,
        String format,
        long rowsRead,
        long quotesRead,
        long rowsInserted,
        long rowsAlreadyPresent,
        long rowsSkipped,
        List<String> skippedSample,
        List<String> symbols,
        long minTsMicros,
        long maxTsMicros,
        boolean sortedPerSymbol,
        String strategy,
        long nanos)
    {
        public double rowsPerSecond()
        {
            return nanos == 0 ? 0 : rowsRead * 1e9 / nanos;
        }
    }

    public Result importFile(final Path file, final TickRowReader.Options options, final OnError onError, final DoubleConsumer progress)
        throws IOException, SQLException, TickRowException
    {
        final long start = System.nanoTime();
        boolean sorted = true;
        boolean merge = false;
        while (true)
        {
            try
            {
                final Result r = attempt(file, options, onError, progress, sorted ? SeqAssigner.sorted() : SeqAssigner.tracking(), merge);
                return new Result(r.file, r.format, r.rowsRead, r.quotesRead, r.rowsInserted, r.rowsAlreadyPresent, r.rowsSkipped, r.skippedSample, r.symbols,
                    r.minTsMicros, r.maxTsMicros, sorted, merge ? "merge" : "copy", System.nanoTime() - start);
            }
            catch (final SeqAssigner.UnsortedException e)
            {
                sorted = false;
            }
            catch (final SQLException e)
            {
                if (merge || !"23505".equals(e.getSQLState()))
                {
                    throw e;
                }
                merge = true;
            }
        }
    }

    private Result attempt(
        final Path file,
        final TickRowReader.Options options,
        final OnError onError,
        final DoubleConsumer progress,
        final SeqAssigner seqAssigner,
        final boolean merge) throws IOException, SQLException, TickRowException, SeqAssigner.UnsortedException
    {
        try (TickFileReader reader = TickFileReader.open(file, options);
             Connection connection = dataSource.getConnection())
        {
            connection.setAutoCommit(false);
            TickCopyWriter writer = null;
            try
            {
                final String table;
                if (merge)
                {
                    try (Statement statement = connection.createStatement())
                    {
                        statement.execute("CREATE TEMP TABLE tick_import_stage (LIKE tick_data INCLUDING DEFAULTS) ON COMMIT DROP");
                    }
                    table = "tick_import_stage";
                }
                else
                {
                    table = "tick_data";
                }
                writer = new TickCopyWriter(connection, table);

                final Tick tick = new Tick();
                final TreeSet<String> symbols = new TreeSet<>();
                final List<String> skippedSample = new ArrayList<>();
                long read = 0;
                long skipped = 0;
                long minTs = Long.MAX_VALUE;
                long maxTs = Long.MIN_VALUE;
                String lastSymbol = null;
                while (true)
                {
                    try
                    {
                        if (!reader.next(tick))
                        {
                            break;
                        }
                    }
                    catch (final TickRowException e)
                    {
                        if (onError == OnError.FAIL)
                        {
                            throw e;
                        }
                        skipped++;
                        if (skippedSample.size() < SKIPPED_SAMPLE)
                        {
                            skippedSample.add(e.getMessage());
                        }
                        continue;
                    }
                    tick.seq = seqAssigner.next(tick.provider, tick.symbol, tick.tsMicros);
                    writer.write(tick);
                    read++;
                    minTs = Math.min(minTs, tick.tsMicros);
                    maxTs = Math.max(maxTs, tick.tsMicros);
                    if (tick.symbol != lastSymbol)
                    {
                        lastSymbol = tick.symbol;
                        if (symbols.size() < 10_000)
                        {
                            symbols.add(tick.symbol);
                        }
                    }
                    if ((read & 0xFFFF) == 0)
                    {
                        progress.accept(reader.fractionRead());
                    }
                }
                writer.finish();
                long inserted = read;
                if (merge)
                {
                    try (Statement statement = connection.createStatement())
                    {
                        inserted = statement.executeUpdate(
                            "INSERT INTO tick_data (" + TickCopyWriter.COLUMNS + ") SELECT " + TickCopyWriter.COLUMNS +
                            " FROM tick_import_stage ON CONFLICT DO NOTHING");
                    }
                }
                connection.commit();
                progress.accept(1.0);
                return new Result(file, reader.format(), read, reader.quotesRead(), inserted, read - inserted, skipped, List.copyOf(skippedSample),
                    List.copyOf(symbols), read == 0 ? 0 : minTs, read == 0 ? 0 : maxTs, true, merge ? "merge" : "copy", 0);
            }
            catch (final IOException | SQLException | TickRowException | SeqAssigner.UnsortedException | RuntimeException e)
            {
                if (writer != null)
                {
                    writer.cancel();
                }
                connection.rollback();
                throw e;
            }
        }
    }
}
