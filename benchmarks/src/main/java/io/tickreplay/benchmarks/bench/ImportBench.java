package io.tickreplay.benchmarks.bench;

import io.tickreplay.adapters.files.SeqAssigner;
import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.csv.TickCsvWriter;
import io.tickreplay.adapters.tickfiles.TickFileReader;
import io.tickreplay.adapters.parquet.ParquetRowWriter;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickImporter;
import io.tickreplay.api.cli.Format;
import io.tickreplay.api.cli.SessionOptions;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
import org.postgresql.PGConnection;

import java.io.InputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Import, side by side: a CSV of about {@code n} generated ticks, in two layouts (symbol by symbol,
 * and time-ordered), and the same rows as Parquet, loaded by tickreplay's {@code import} and by
 * PostgreSQL's own {@code COPY FROM} of the CSV (the ceiling), and each file read alone. Checks
 * first that every contender stored the same rows (a digest over every column).
 */
public final class ImportBench
{
    private final Database db;
    private final Path workDir;
    private final int rounds;

    public ImportBench(final Database db, final Path workDir, final int rounds)
    {
        this.db = db;
        this.workDir = workDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long n) throws Exception
    {
        Files.createDirectories(workDir);
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final Layout layout : Layout.values())
        {
            final Path csv = workDir.resolve("bench-ticks-" + n + "-" + layout.key + ".csv");
            final long rows = writeCsv(csv, n, layout);
            System.out.println("bench import, " + layout.description + ": " + Format.count(rows) + " ticks in " + csv + " (" + Files.size(csv) / (1 << 20) + " MiB)");
            final Path parquet = workDir.resolve("bench-ticks-" + n + "-" + layout.key + ".parquet");
            try
            {
                writeParquet(csv, parquet);
                System.out.println("  the same rows as Parquet: " + parquet + " (" + Files.size(parquet) / (1 << 20) + " MiB, written by tickreplay's own writer)");
                out.put(layout.key, importLayout(db, csv, parquet, rows, rounds));
            }
            finally
            {
                Files.deleteIfExists(csv);
                Files.deleteIfExists(parquet);
            }
        }
        return out;
    }

    /** The CSV's rows as a Parquet file of typed columns (timestamps, doubles, nullable quote fields), as a user's would be. */
    private static void writeParquet(final Path csv, final Path parquet) throws Exception
    {
        final List<ParquetRowWriter.Column> columns = List.of(
            ParquetRowWriter.Column.required("provider", ParquetRowWriter.Type.STRING),
            ParquetRowWriter.Column.required("symbol", ParquetRowWriter.Type.STRING),
            ParquetRowWriter.Column.required("ts", ParquetRowWriter.Type.TIMESTAMP),
            ParquetRowWriter.Column.required("price", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.required("size", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("bid", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("ask", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("bid_size", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("ask_size", ParquetRowWriter.Type.DOUBLE));
        try (TickCsvReader in = TickCsvReader.open(csv, TickCsvReader.Options.defaults());
             ParquetRowWriter out = new ParquetRowWriter(parquet, columns, Map.of()))
        {
            final Tick t = new Tick();
            while (in.next(t))
            {
                out.set(0, t.provider).set(1, t.symbol).set(2, t.tsMicros).set(3, t.price).set(4, t.size);
                for (int i = 0; i < 4; i++)
                {
                    final double v = i == 0 ? t.bid : i == 1 ? t.ask : i == 2 ? t.bidSize : t.askSize;
                    if (!Double.isNaN(v))
                    {
                        out.set(5 + i, v);
                    }
                }
                out.endRow();
            }
            out.commit();
        }
    }

    /** Rows/s of reading a file to ticks, without the database: the reader's own ceiling. */
    private static double readRate(final Path file, final long rows) throws Exception
    {
        final long t0 = System.nanoTime();
        long n = 0;
        try (TickFileReader reader = TickFileReader.open(file, TickCsvReader.Options.defaults()))
        {
            final Tick t = new Tick();
            while (reader.next(t))
            {
                n++;
            }
        }
        if (n != rows)
        {
            throw new IllegalStateException(file + ": read " + n + " rows, expected " + rows);
        }
        return n * 1e9 / (System.nanoTime() - t0);
    }

    private static Map<String, Object> importLayout(final Database db, final Path csv, final Path parquet, final long rows, final int rounds) throws Exception
    {
        final List<Double> copyRates = new ArrayList<>();
        final List<Double> importRates = new ArrayList<>();
        final List<Double> parquetRates = new ArrayList<>();
        final List<Double> csvReadRates = new ArrayList<>();
        final List<Double> parquetReadRates = new ArrayList<>();
        String copyDigest = null;
        String importDigest = null;
        for (int round = 1; round <= rounds; round++)
        {
            BenchSql.truncate(db);
            final long t0 = System.nanoTime();
            final long copied;
            try (Connection c = db.connection(); InputStream in = Files.newInputStream(csv))
            {
                copied = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY tick_data (" + TickCsvWriter.HEADER + ") FROM STDIN (FORMAT csv, HEADER true)", in, 1 << 16);
            }
            final double copyRate = copied * 1e9 / (System.nanoTime() - t0);
            copyRates.add(copyRate);
            copyDigest = digest(db);

            BenchSql.truncate(db);
            final TickImporter.Result result = new TickImporter(db.dataSource())
                .importFile(csv, TickCsvReader.Options.defaults(), TickImporter.OnError.FAIL, f -> { });
            importRates.add(result.rowsPerSecond());
            importDigest = digest(db);
            BenchSql.truncate(db);
            final TickImporter.Result fromParquet = new TickImporter(db.dataSource())
                .importFile(parquet, TickCsvReader.Options.defaults(), TickImporter.OnError.FAIL, f -> { });
            parquetRates.add(fromParquet.rowsPerSecond());
            final String parquetDigest = digest(db);
            csvReadRates.add(readRate(csv, rows));
            parquetReadRates.add(readRate(parquet, rows));
            System.out.printf(Locale.ROOT, "  round %d: PostgreSQL COPY FROM csv %s rows/s, tickreplay import %s rows/s (%s), of the Parquet file %s rows/s; " +
                    "reading alone: CSV %s rows/s, Parquet %s rows/s%n",
                round, Format.rate(copyRate), Format.rate(result.rowsPerSecond()), result.strategy(), Format.rate(fromParquet.rowsPerSecond()),
                Format.rate(csvReadRates.get(round - 1)), Format.rate(parquetReadRates.get(round - 1)));
            if (fromParquet.rowsInserted() != rows || !parquetDigest.equals(copyDigest))
            {
                throw new IllegalStateException("the Parquet import stored other rows: " + fromParquet.rowsInserted() + " rows, " + parquetDigest + " vs COPY " + copyDigest);
            }
            if (copied != rows || result.rowsInserted() != rows)
            {
                throw new IllegalStateException("row counts differ: file " + rows + ", COPY " + copied + ", import " + result.rowsInserted());
            }
            if (!copyDigest.equals(importDigest))
            {
                throw new IllegalStateException("the contenders stored different rows: COPY " + copyDigest + " vs import " + importDigest);
            }
        }
        BenchSql.truncate(db);
        final double bestCopy = copyRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestImport = importRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "  same rows stored by both (%s)%n", importDigest);
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s%n", "PostgreSQL COPY FROM csv (ceiling)", Format.rate(bestCopy));
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   %.2fx the ceiling%n", "tickreplay import", Format.rate(bestImport), bestImport / bestCopy);
        final double bestParquet = parquetRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestParquetRead = parquetReadRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestCsvRead = csvReadRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   %.2fx the ceiling%n", "tickreplay import of the Parquet file", Format.rate(bestParquet),
            bestParquet / bestCopy);
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   (CSV: %s rows/s)%n", "reading the Parquet file alone", Format.rate(bestParquetRead),
            Format.rate(bestCsvRead));

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("file_bytes", Files.size(csv));
        out.put("rounds", rounds);
        out.put("rows_identical", true);
        out.put("postgres_copy_from_csv_rows_per_s", copyRates.stream().map(Math::round).toList());
        out.put("tickreplay_import_rows_per_s", importRates.stream().map(Math::round).toList());
        out.put("best_postgres_copy_rows_per_s", Math.round(bestCopy));
        out.put("best_tickreplay_import_rows_per_s", Math.round(bestImport));
        out.put("ratio_import_to_copy", Math.round(bestImport / bestCopy * 1000) / 1000.0);
        out.put("parquet_file_bytes", Files.size(parquet));
        out.put("tickreplay_import_parquet_rows_per_s", parquetRates.stream().map(Math::round).toList());
        out.put("best_tickreplay_import_parquet_rows_per_s", Math.round(bestParquet));
        out.put("ratio_parquet_import_to_copy", Math.round(bestParquet / bestCopy * 1000) / 1000.0);
        out.put("read_csv_rows_per_s", csvReadRates.stream().map(Math::round).toList());
        out.put("read_parquet_rows_per_s", parquetReadRates.stream().map(Math::round).toList());
        out.put("best_read_parquet_rows_per_s", Math.round(bestParquetRead));
        return out;
    }

    /** How the rows of the benchmark file are ordered. */
    enum Layout
    {
        SYMBOL_MAJOR("symbol_major", "symbol by symbol, each in time order (TAQ-style)"),
        TIME_ORDERED("time_ordered", "all symbols interleaved in time order (a consolidated feed)");

        final String key;
        final String description;

        Layout(final String key, final String description)
        {
            this.key = key;
            this.description = description;
        }
    }

    private static final List<String> BENCH_SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA", "META", "GOOG", "AMD", "NFLX", "INTC");

    /** Writes about {@code n} ticks of 10 symbols over as many days as needed, in {@code layout} order. */
    private static long writeCsv(final Path csv, final long n, final Layout layout) throws Exception
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("bench").symbols(BENCH_SYMBOLS)
            .days((int)Math.max(1, Math.min(20, n / 2_500_000 + 1))).seed(7);
        final double rate = SessionOptions.rateFor(n, ctx);
        ctx.ticksPerSecond(rate);
        if (layout == Layout.SYMBOL_MAJOR)
        {
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
            {
                new SyntheticSession(ctx).run(writer, f -> { });
                return writer.rows();
            }
        }
        // one file per symbol (a symbol's ticks do not depend on the others'), then a k-way merge on (ts, symbol, seq)
        final List<Path> parts = new ArrayList<>();
        try
        {
            for (final String symbol : BENCH_SYMBOLS)
            {
                final Path part = csv.resolveSibling(csv.getFileName() + "." + symbol + ".part");
                parts.add(part);
                try (Writer w = Files.newBufferedWriter(part, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
                {
                    new SyntheticSession(new SyntheticSession.Context().provider("bench").symbols(List.of(symbol))
                        .days(ctx.days()).seed(7).ticksPerSecond(rate)).run(writer, f -> { });
                }
            }
            final PriorityQueue<Source> queue = new PriorityQueue<>(
                Comparator.<Source>comparingLong(src -> src.tick.tsMicros).thenComparing(src -> src.tick.symbol).thenComparingInt(src -> src.tick.seq));
            final List<TickCsvReader> readers = new ArrayList<>();
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
            {
                for (final Path part : parts)
                {
                    final TickCsvReader reader = TickCsvReader.open(part, TickCsvReader.Options.defaults());
                    readers.add(reader);
                    final Source source = new Source(reader);
                    if (source.advance())
                    {
                        queue.add(source);
                    }
                }
                while (!queue.isEmpty())
                {
                    final Source next = queue.poll();
                    writer.onTick(next.tick);
                    if (next.advance())
                    {
                        queue.add(next);
                    }
                }
                return writer.rows();
            }
            finally
            {
                for (final TickCsvReader reader : readers)
                {
                    reader.close();
                }
            }
        }
        finally
        {
            for (final Path part : parts)
            {
                Files.deleteIfExists(part);
            }
        }
    }

    /** One per-symbol file in the merge, with its current tick ({@code seq} numbered as import would). */
    private record Source(TickCsvReader reader, SeqAssigner seq, Tick tick)
    {
        Source(final TickCsvReader reader)
        {
            this(reader, SeqAssigner.sorted(), new Tick());
        }

        boolean advance() throws Exception
        {
            if (!reader.next(tick))
            {
                return false;
            }
            tick.seq = seq.next(tick.provider, tick.symbol, tick.tsMicros);
            return true;
        }
    }

    /** Count and sums over every column: equal digests mean the same rows, for any practical purpose. */
    private static String digest(final Database db) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT symbol), sum(seq), sum(extract(epoch FROM ts)), " +
                 "sum(price::numeric * size::numeric), sum(bid::numeric), sum(ask::numeric), sum(bid_size::numeric), sum(ask_size::numeric) FROM tick_data"))
        {
            rs.next();
            final StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 9; i++)
            {
                b.append(i == 1 ? "" : " ").append(rs.getString(i));
            }
            return b.toString();
        }
    }
}
