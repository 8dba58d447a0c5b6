package io.tickreplay.api.cli;

import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.parquet.ParquetTickReader;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickImporter;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.tick.Micros;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = "Loads tick files (CSV, gzip CSV or Parquet, told apart by their bytes, not their names) into tick_data through COPY, each file in one transaction. A row with a bid or ask and no price is a quote: not a tick, its bid/ask/sizes go to the trades after it. Columns are found by name: ts|timestamp|time|datetime|date_time, price, size|amount|qty|quantity|volume, and optional bid, ask, bid_size, ask_size, symbol, provider. Timestamps: ISO-8601 (no offset = UTC, or the zone of --tz) or epoch s/ms/us/ns, told apart by magnitude. seq is numbered in file order per (provider, symbol, ts). Importing the same rows again adds nothing.")
public final class ImportCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "CSV files (plain or gzip) or Parquet files.")
    List<Path> files;

    @Option(names = "--provider", paramLabel = "NAME", description = "Provider of every row (overrides a provider column).")
    String provider;

    @Option(names = "--symbol", paramLabel = "NAME", description = "Symbol of every row (overrides a symbol column).")
    String symbol;

    @Option(names = "--column", paramLabel = "FIELD=HEADER", description = "Read FIELD (ts, price, size, bid, ask, bid_size, ask_size, symbol, provider) from the column HEADER.")
    Map<String, String> columns;

    @Option(names = "--no-header", description = "The file has no header row: its columns are named by --columns.")
    boolean noHeader;

    @Option(names = "--columns", paramLabel = "F1,F2,...", description = "With --no-header: the file's columns in order, by field name or header alias (ts, price, size|qty, ...); - or nothing for a column to ignore, e.g. -,price,qty,-,-,ts,-,-.")
    String headerlessColumns;

    @Option(names = "--tz", paramLabel = "ZONE", description = "Zone of timestamps written without an offset, e.g. America/New_York (default UTC); offsets in the file are kept.")
    String tz;

    @Option(names = "--decimal-comma", description = "Numbers are written 231,45; the separator is then ; (or a tab when the first line has tabs and no ;).")
    boolean decimalComma;

    @Option(names = "--on-error", paramLabel = "fail|skip", description = "A bad row fails the file, keeping nothing of it (default), or is skipped and reported.")
    String onError;

    @Override
    public Integer call() throws Exception
    {
        final Map<String, Object> flags = new HashMap<>();
        flags.put("import.on-error", onError);
        final Settings settings = common.settings(flags);
        final TickImporter.OnError policy = switch (settings.string("import.on-error").toLowerCase(Locale.ROOT))
        {
            case "fail" -> TickImporter.OnError.FAIL;
            case "skip" -> TickImporter.OnError.SKIP;
            default -> throw new UsageException("--on-error must be fail or skip, was '" + settings.string("import.on-error") + "'");
        };
        final Map<TickColumn, String> overrides = new EnumMap<>(TickColumn.class);
        if (columns != null)
        {
            for (final Map.Entry<String, String> e : columns.entrySet())
            {
                try
                {
                    overrides.put(TickColumn.byFieldName(e.getKey()), e.getValue());
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new UsageException("--column: " + ex.getMessage());
                }
            }
        }
        for (final Path file : files)
        {
            if (Files.isDirectory(file))
            {
                throw new UsageException(file + " is a directory: import takes files (e.g. " + file + "/*.csv)");
            }
            if (!Files.isRegularFile(file))
            {
                throw new UsageException("no such file: " + file);
            }
        }
        List<String> columnList = null;
        if (headerlessColumns != null && !noHeader)
        {
            throw new UsageException("--columns names the columns of a file without a header row: add --no-header (a file with a header is read by its names; map one with --column FIELD=HEADER)");
        }
        if (noHeader)
        {
            if (headerlessColumns == null || headerlessColumns.isBlank())
            {
                throw new UsageException("--no-header needs --columns naming the file's columns in order, e.g. --columns ts,price,size (- for a column to ignore)");
            }
            if (!overrides.isEmpty())
            {
                throw new UsageException("--column FIELD=HEADER maps header names, and --no-header says there are none: name the fields in --columns");
            }
            columnList = List.of(headerlessColumns.split(",", -1));
        }
        ZoneId zone = null;
        if (tz != null)
        {
            try
            {
                zone = ZoneId.of(tz.strip());
            }
            catch (final DateTimeException e)
            {
                throw new UsageException("--tz: '" + tz + "' is not a time zone; give an IANA name such as America/New_York or Europe/London, or UTC");
            }
        }
        final TickCsvReader.Options options = new TickCsvReader.Options(provider, symbol, overrides, columnList, zone, decimalComma);

        try (Database db = CommonOptions.openDatabase(settings))
        {
            final TickImporter importer = new TickImporter(db.dataSource());
            for (final Path file : files)
            {
                final TickImporter.Result result;
                try (ProgressBar bar = new ProgressBar("importing " + file.getFileName()))
                {
                    result = importer.importFile(file, options, policy, bar);
                }
                catch (final TickCsvReader.MissingColumnException e)
                {
                    // the reader does not know the file's name; with several files the user needs it
                    final String m = e.getMessage();
                    throw new TickCsvReader.MissingColumnException(m.startsWith("the file looks like") ? file + m.substring("the file".length()) :
                        file + ": " + m);
                }
                catch (final TickRowException e)
                {
                    throw new ImportFailedException(file + " " + e.getMessage() + "; nothing of " + file.getFileName() +
                        " was imported (--on-error skip loads the other rows)");
                }
                catch (final IOException e)
                {
                    if (e.getMessage() != null && e.getMessage().startsWith(ParquetTickReader.NOT_PARQUET))
                    {
                        throw new ImportFailedException(file + ": " + e.getMessage() + "; nothing of " + file.getFileName() + " was imported");
                    }
                    // a truncated .gz, a file that vanished: the reader's own words say neither which file nor what to do
                    throw new ImportFailedException(file + ": cannot be read to its end: " + e.getMessage() +
                        (file.getFileName().toString().endsWith(".gz") ? " (a truncated or damaged gzip file?)" : "") + "; nothing of " +
                        file.getFileName() + " was imported");
                }
                print(result);
                if (result.rowsRead() == 0 && result.rowsSkipped() > 0)
                {
                    // a file all of whose rows were skipped is a failed import, however --on-error was set
                    throw new ImportFailedException(file + ": every row was bad, " + Format.count(result.rowsSkipped()) + " skipped; the first, " +
                        result.skippedSample().get(0) + "; nothing of " + file.getFileName() + " was imported");
                }
            }
        }
        return 0;
    }

    private static void print(final TickImporter.Result r)
    {
        final StringBuilder line = new StringBuilder("imported ").append(r.file()).append(" (").append(r.format()).append("): ")
            .append(Format.count(r.rowsInserted())).append(" new rows");
        if (r.rowsAlreadyPresent() > 0)
        {
            line.append(", ").append(Format.count(r.rowsAlreadyPresent())).append(" already in tick_data (kept as they were)");
        }
        if (r.rowsRead() > 0)
        {
            line.append("; ").append(r.symbols().size() <= 10 ? String.join(",", r.symbols()) : r.symbols().size() + " symbols")
                .append(" from ").append(Format.instant(Micros.toInstant(r.minTsMicros())))
                .append(" to ").append(Format.instant(Micros.toInstant(r.maxTsMicros())));
        }
        line.append(" in ").append(Format.seconds(r.nanos())).append(" (").append(Format.rate(r.rowsPerSecond())).append(" rows/s)");
        System.out.println(line);
        if (r.quotesRead() > 0)
        {
            System.out.println("quotes read: " + Format.count(r.quotesRead()) + " (not ticks; their bid/ask/sizes carried into the trades after them), trades stored: " +
                Format.count(r.rowsInserted()) + (r.rowsAlreadyPresent() > 0 ? " (+" + Format.count(r.rowsAlreadyPresent()) + " already stored)" : ""));
        }
        if (r.rowsSkipped() > 0)
        {
            System.out.println("skipped " + Format.count(r.rowsSkipped()) + " bad rows" + (r.rowsSkipped() > r.skippedSample().size() ? ", the first " + r.skippedSample().size() : "") + ":");
            r.skippedSample().forEach(s -> System.out.println("  " + s));
        }
    }

    /** A file that could not be imported; its message names the file and line. */
    static final class ImportFailedException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        ImportFailedException(final String message)
        {
            super(message);
        }
    }
}
