package io.tickreplay.adapters.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.files.TempFiles;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Column;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Type;
import io.tickreplay.adapters.parquet.ParquetRowWriter;
import org.apache.parquet.io.api.Binary;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongConsumer;
import java.util.zip.GZIPOutputStream;
import javax.sql.DataSource;

/**
 * Exports ticks, bars or signals of a window to CSV, CSV.gz or Parquet, streamed in constant memory
 * whatever the size: one COPY per symbol (an index range scan in key order, no sort), in one
 * REPEATABLE READ snapshot so the file and the {@code max_ts} reported agree. CSV is PostgreSQL's own
 * {@code COPY ... (FORMAT csv)} in UTC, under a header line of ours ({@code 2025-11-03 14:30:00.011922+00}), gzipped for
 * {@code .csv.gz}; Parquet is the binary COPY decoded into {@link ParquetRowWriter} (UTC timestamps,
 * doubles, zstd). The file is written under a temporary name and renamed when complete, so a failure
 * leaves no partial file. Rows are ordered by symbol, then the table's key.
 */
public final class PgExporter
{
    /** How a column comes out of PostgreSQL's binary COPY. */
    enum Pg
    {
        TEXT, TIMESTAMPTZ, FLOAT8, INT4, INT8, JSONB
    }

    record Col(String name, Pg pg, boolean optional)
    {
        Column parquet()
        {
            final Type type = switch (pg)
            {
                case TEXT, JSONB -> Type.STRING;
                case TIMESTAMPTZ -> Type.TIMESTAMP;
                case FLOAT8 -> Type.DOUBLE;
                case INT4 -> Type.INT;
                case INT8 -> Type.LONG;
            };
            return new Column(name, type, optional);
        }
    }

    /** What can be exported: a table, its columns (as the table has them) and its key order after the symbol. */
    public enum Dataset
    {
        TICKS("tick_data", "ts, seq", List.of(
            new Col("provider", Pg.TEXT, false), new Col("symbol", Pg.TEXT, false), new Col("ts", Pg.TIMESTAMPTZ, false),
            new Col("seq", Pg.INT4, false), new Col("price", Pg.FLOAT8, false), new Col("size", Pg.FLOAT8, false),
            new Col("bid", Pg.FLOAT8, true), new Col("ask", Pg.FLOAT8, true), new Col("bid_size", Pg.FLOAT8, true),
            new Col("ask_size", Pg.FLOAT8, true))),
        BARS("bars_ohlcv", "ts", List.of(
            new Col("provider", Pg.TEXT, false), new Col("symbol", Pg.TEXT, false), new Col("interval", Pg.TEXT, false),
            new Col("ts", Pg.TIMESTAMPTZ, false), new Col("open", Pg.FLOAT8, false), new Col("high", Pg.FLOAT8, false),
            new Col("low", Pg.FLOAT8, false), new Col("close", Pg.FLOAT8, false), new Col("volume", Pg.FLOAT8, false),
            new Col("trade_count", Pg.INT8, false), new Col("vwap", Pg.FLOAT8, true))),
        SIGNALS("signals", "ts, name", List.of(
            new Col("provider", Pg.TEXT, false), new Col("symbol", Pg.TEXT, false), new Col("ts", Pg.TIMESTAMPTZ, false),
            new Col("name", Pg.TEXT, false), new Col("value", Pg.FLOAT8, false), new Col("score", Pg.FLOAT8, true),
            new Col("metadata", Pg.JSONB, true)));

        final String table;
        final String order;
        final List<Col> columns;

        Dataset(final String table, final String order, final List<Col> columns)
        {
            this.table = table;
            this.order = order;
            this.columns = columns;
        }

        public String table()
        {
            return table;
        }

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }

        public List<String> columnNames()
        {
            return columns.stream().map(Col::name).toList();
        }

        public static Dataset of(final String name)
        {
            for (final Dataset d : values())
            {
                if (d.label().equals(name))
                {
                    return d;
                }
            }
            throw new IllegalArgumentException("dataset must be ticks, bars or signals, was '" + name + "'");
        }
    }

    /**
     * The file formats under their old name. {@link FileFormat} holds the rule now; this stays while
     * {@code ExportBench} (benchmarks/, io.tickreplay.benchmarks.bench) still names it, and goes when that switches to FileFormat.
     */
    @Deprecated
    public enum Format
    {
        CSV(FileFormat.CSV), CSV_GZ(FileFormat.CSV_GZ), PARQUET(FileFormat.PARQUET);

        private final FileFormat file;

        Format(final FileFormat file)
        {
            this.file = file;
        }

        public String label()
        {
            return file.label();
        }
    }

    /**
     * The rows to export: a provider's symbols in [start, end), bars of one interval, and with
     * {@code after} only rows with a later ts (an incremental export); bars and signals of run
     * {@code runId} (0: live; null: any run's, docs/runs.md).
     */
    public record Query(Dataset dataset, String provider, List<String> symbols, Instant start, Instant end, String interval, Instant after, Long runId)
    {
        /** Any run's rows (ticks have none). */
        public Query(final Dataset dataset, final String provider, final List<String> symbols, final Instant start, final Instant end,
            final String interval, final Instant after)
        {
            this(dataset, provider, symbols, start, end, interval, after, null);
        }

        /** The values go into the COPY's SQL as literals: only what cannot break out of one is accepted, whoever builds the query. */
        public Query
        {
            if (!Identifiers.isValid(provider) || symbols.isEmpty() || !symbols.stream().allMatch(Identifiers::isValid))
            {
                throw new IllegalArgumentException("provider and symbols must be identifiers (letters, digits, ._:/^=@#$&+-)");
            }
            if (!List.of("1m", "5m", "1h").contains(interval))
            {
                throw new IllegalArgumentException("interval must be 1m, 5m or 1h, was '" + interval + "'");
            }
        }

        String where(final String symbol)
        {
            final StringBuilder w = new StringBuilder("provider = ").append(SqlLiteral.quote(provider)).append(" AND symbol = ").append(SqlLiteral.quote(symbol))
                .append(" AND ts >= ").append(SqlLiteral.timestamptz(start)).append(" AND ts < ").append(SqlLiteral.timestamptz(end));
            if (after != null)
            {
                w.append(" AND ts > ").append(SqlLiteral.timestamptz(after));
            }
            if (dataset == Dataset.BARS)
            {
                w.append(" AND \"interval\" = ").append(SqlLiteral.quote(interval));
            }
            if (runId != null && dataset != Dataset.TICKS)
            {
                w.append(" AND run_id = ").append(runId.longValue());
            }
            return w.toString();
        }

        public String select(final String symbol)
        {
            return "SELECT " + String.join(", ", dataset.columnNames().stream().map(c -> '"' + c + '"').toList()) + " FROM " + dataset.table + " WHERE " + where(symbol) + " ORDER BY " + dataset.order;
        }
    }

    /** What an export wrote: rows, the latest ts among them (null when none), and the file's size. */
    public record Result(long rows, Instant maxTs, long bytes)
    {
    }

    private final DataSource dataSource;

    public PgExporter(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /**
     * Writes the query's rows to {@code output} in {@code format}; {@code progress} hears the rows
     * written so far now and then (any thread may read them for a job's progress).
     */
    public Result export(final Query query, final Path output, final FileFormat format, final LongConsumer progress) throws SQLException, IOException
    {
        final List<String> symbols = query.symbols().stream().sorted().distinct().toList();
        final Path parent = output.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        try (Connection c = dataSource.getConnection())
        {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try
            {
                try (Statement s = c.createStatement())
                {
                    s.execute("SET LOCAL TimeZone = 'UTC'");
                }
                final Instant maxTs = maxTs(c, query, symbols);
                final CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                final Result result = format == FileFormat.PARQUET ? parquet(copy, query, symbols, output, maxTs, progress)
                    : csv(copy, query, symbols, output, format == FileFormat.CSV_GZ, maxTs, progress);
                c.commit();
                return result;
            }
            catch (final SQLException | IOException | RuntimeException | Error e)
            {
                try
                {
                    c.rollback();
                }
                catch (final SQLException | RuntimeException again)
                {
                    e.addSuppressed(again); // the first failure is the one to report
                }
                if (dataSource instanceof HikariDataSource pool)
                {
                    // a cancelled COPY's cancel request travels on its own and could hit this connection's next query: retire it
                    pool.evictConnection(c);
                }
                throw e;
            }
        }
    }

    /** {@link #export(Query, Path, FileFormat, LongConsumer)} under the old format type, for {@code ExportBench} until it switches. */
    @Deprecated
    public Result export(final Query query, final Path output, final Format format, final LongConsumer progress) throws SQLException, IOException
    {
        return export(query, output, format.file, progress);
    }

    private static Instant maxTs(final Connection c, final Query query, final List<String> symbols) throws SQLException
    {
        Instant max = null;
        try (Statement s = c.createStatement())
        {
            for (final String symbol : symbols)
            {
                try (ResultSet rs = s.executeQuery("SELECT max(ts) FROM " + query.dataset().table + " WHERE " + query.where(symbol)))
                {
                    rs.next();
                    final OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                    if (t != null && (max == null || t.toInstant().isAfter(max)))
                    {
                        max = t.toInstant();
                    }
                }
            }
        }
        return max;
    }

    private static Result csv(final CopyManager copy, final Query query, final List<String> symbols, final Path output, final boolean gzip,
        final Instant maxTs, final LongConsumer progress) throws SQLException, IOException
    {
        final Path tmp = TempFiles.beside(output);
        boolean done = false;
        try
        {
            long rows = 0;
            final CountingStream counted;
            try (CountingStream file = new CountingStream(Files.newOutputStream(tmp));
                 OutputStream out = gzip ? new GZIPOutputStream(file, 1 << 16) : new BufferedOutputStream(file, 1 << 16))
            {
                counted = file;
                out.write((String.join(",", query.dataset().columnNames()) + "\n").getBytes(StandardCharsets.UTF_8));
                for (final String symbol : symbols)
                {
                    rows += copy.copyOut("COPY (" + query.select(symbol) + ") TO STDOUT (FORMAT csv)", out);
                    progress.accept(rows);
                }
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            return new Result(rows, maxTs, counted.count);
        }
        finally
        {
            if (!done)
            {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static Result parquet(final CopyManager copy, final Query query, final List<String> symbols, final Path output, final Instant maxTs,
        final LongConsumer progress) throws SQLException, IOException
    {
        final List<Col> cols = query.dataset().columns;
        final Col[] columns = cols.toArray(Col[]::new);
        final Binary[] last = new Binary[columns.length];
        try (ParquetRowWriter out = new ParquetRowWriter(output, cols.stream().map(Col::parquet).toList(),
            Map.of("tickreplay.dataset", query.dataset().label(), "tickreplay.query", query.toString())))
        {
            for (final String symbol : symbols)
            {
                final CopyOut op = copy.copyOut("COPY (" + query.select(symbol) + ") TO STDOUT (FORMAT binary)");
                try
                {
                    writeRows(new CopyBinaryReader(new CopyOutStream(op)), columns, last, out, progress);
                }
                finally
                {
                    if (op.isActive())
                    {
                        // failed half way: end the COPY, or the connection waits on it for ever (the rollback would hang)
                        op.cancelCopy();
                    }
                }
            }
            progress.accept(out.rows());
            out.commit();
            return new Result(out.rows(), maxTs, Files.size(output));
        }
    }

    private static void writeRows(final CopyBinaryReader rows, final Col[] columns, final Binary[] last, final ParquetRowWriter out,
        final LongConsumer progress) throws IOException
    {
        while (rows.nextRow())
        {
            for (int i = 0; i < columns.length; i++)
            {
                if (!rows.next())
                {
                    continue; // NULL: left unset
                }
                switch (columns[i].pg())
                {
                    case TEXT -> out.set(i, last[i] = reuse(last[i], rows.bytes(), rows.offset(), rows.length()));
                    case JSONB -> out.set(i, new String(rows.bytes(), rows.offset() + 1, rows.length() - 1, StandardCharsets.UTF_8)); // version byte, then text
                    case TIMESTAMPTZ -> out.set(i, rows.timestampMicros());
                    case FLOAT8 -> out.set(i, rows.float8());
                    case INT4 -> out.set(i, (long)rows.int4());
                    case INT8 -> out.set(i, rows.int8());
                    default -> throw new IllegalStateException(columns[i].pg().name());
                }
            }
            out.endRow();
            if ((out.rows() & 0xffff) == 0)
            {
                progress.accept(out.rows());
            }
        }
        rows.drain();
    }

    /** Text columns repeat (provider, symbol, name, interval): keep the previous value's Binary while the bytes are the same. */
    private static Binary reuse(final Binary previous, final byte[] bytes, final int offset, final int length)
    {
        if (previous != null && previous.length() == length)
        {
            final byte[] p = previous.getBytesUnsafe();
            if (Arrays.equals(p, 0, length, bytes, offset, offset + length))
            {
                return previous;
            }
        }
        return Binary.fromConstantByteArray(Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /** Counts the bytes that reach the file. */
    private static final class CountingStream extends FilterOutputStream
    {
        long count;

        CountingStream(final OutputStream out)
        {
            super(out);
        }

        @Override
        public void write(final int b) throws IOException
        {
            out.write(b);
            count++;
        }

        @Override
        public void write(final byte[] b, final int off, final int len) throws IOException
        {
            out.write(b, off, len);
            count += len;
        }
    }
}
