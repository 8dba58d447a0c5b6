package io.tickreplay.adapters.parquet;

import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.csv.TickCsvWriter;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.adapters.tickfiles.TickFileReader;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parquet files written by an independent writer (DuckDB) in the layouts people have (instants, naive local times,
 * nanoseconds, epoch integers, text, decimals, other column names, small row groups, dictionary or not) read to
 * exactly the ticks of the same data as CSV.
 */
class ParquetTickReaderTest
{
    private static final TickCsvReader.Options FROM_FILE = TickCsvReader.Options.defaults();

    @TempDir
    static Path dir;
    private static Path csv;
    private static List<String> expected;

    @BeforeAll
    static void session() throws Exception
    {
        csv = dir.resolve("session.csv");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL", "MSFT")).seed(11)
            .ticksPerSecond(0.6);
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
        {
            new SyntheticSession(ctx).run(writer, f -> { });
        }
        expected = read(TickFileReader.open(csv, FROM_FILE));
        assertThat(expected.size()).isGreaterThan(20_000);
    }

    @Test
    void instantsWithDoublesInSmallRowGroupsReadAsTheCsvDoes() throws Exception
    {
        final Path file = duck("instants", """
            SELECT provider, symbol, ts::TIMESTAMPTZ AS ts, price::DOUBLE AS price, size::DOUBLE AS size, bid::DOUBLE AS bid, ask::DOUBLE AS ask,
                   bid_size::DOUBLE AS bid_size, ask_size::DOUBLE AS ask_size FROM src""", "ROW_GROUP_SIZE 2048, COMPRESSION zstd");
        assertThat(rowGroups(file)).isGreaterThan(5);
        assertThat(read(ParquetTickReader.open(file, FROM_FILE))).isEqualTo(expected);
    }

    @Test
    void naiveNanosecondTimesInNewYorkWithDecimalsAndOtherNamesReadAsTheCsvDoes() throws Exception
    {
        final Path file = duck("naive-ny", """
            SELECT symbol AS ticker, timezone('America/New_York', ts::TIMESTAMPTZ)::TIMESTAMP_NS AS "Timestamp", price::DECIMAL(18,4) AS price,
                   size::DOUBLE AS qty, bid::DECIMAL(18,4) AS bid_price, ask::DECIMAL(18,4) AS ask_price, bid_size::INTEGER AS bidsize,
                   ask_size::BIGINT AS asksize FROM src""", "ROW_GROUP_SIZE 5000, COMPRESSION snappy");
        final TickCsvReader.Options ny = new TickCsvReader.Options("ibkr", null, Map.of(), null, ZoneId.of("America/New_York"), false);
        assertThat(read(ParquetTickReader.open(file, ny))).isEqualTo(expected);
        // the same naive times without --tz are read as UTC: four or five hours early
        final List<String> utc = read(ParquetTickReader.open(file, new TickCsvReader.Options("ibkr", null, Map.of())));
        assertThat(utc).hasSameSizeAs(expected).isNotEqualTo(expected);
    }

    @Test
    void epochMicrosecondIntegersTextAndAMappedColumnReadAsTheCsvDoes() throws Exception
    {
        final Path epoch = duck("epoch", """
            SELECT symbol, epoch_us(ts::TIMESTAMPTZ) AS time, price::DOUBLE AS px, size::DOUBLE AS volume, bid::DOUBLE AS bid, ask::DOUBLE AS ask,
                   bid_size::DOUBLE AS bid_size, ask_size::DOUBLE AS ask_size FROM src""", "COMPRESSION uncompressed");
        assertThat(read(ParquetTickReader.open(epoch, new TickCsvReader.Options("ibkr", null, Map.of(TickColumn.PRICE, "PX")))))
            .isEqualTo(expected);

        final Path text = duck("text", "SELECT * FROM src", "ROW_GROUP_SIZE 10000");
        assertThat(read(ParquetTickReader.open(text, FROM_FILE))).isEqualTo(expected);
    }

    @Test
    void aDateAndATimeColumnJoinIntoTheTimestamp() throws Exception
    {
        final Path file = duck("date-time", """
            SELECT provider, symbol, (ts::TIMESTAMPTZ AT TIME ZONE 'UTC')::DATE AS day, (ts::TIMESTAMPTZ AT TIME ZONE 'UTC')::TIME AS clock, price::DOUBLE AS price, size::DOUBLE AS size,
                   bid::DOUBLE AS bid, ask::DOUBLE AS ask, bid_size::DOUBLE AS bid_size, ask_size::DOUBLE AS ask_size FROM src""", "");
        assertThat(read(ParquetTickReader.open(file, new TickCsvReader.Options(null, null, Map.of(TickColumn.TS, "day+clock")))))
            .isEqualTo(expected);
    }

    @Test
    void quoteRowsAreNotTicksAndTheTradesAfterThemCarryTheirQuote() throws Exception
    {
        final Path file = dir.resolve("taq.parquet");
        duckdb("COPY (SELECT * FROM (VALUES " +
            "('2025-11-03 14:30:00+00'::TIMESTAMPTZ, 'NVDA', NULL::DOUBLE, NULL::DOUBLE, 200.10, 200.12, 5.0, 7.0)," +
            "('2025-11-03 14:30:00.5+00', 'AAPL', NULL, NULL, 230.00, 230.02, 1.0, 2.0)," +
            "('2025-11-03 14:30:01+00', 'NVDA', 200.11, 100.0, NULL, NULL, NULL, NULL)," +
            "('2025-11-03 14:30:02+00', 'NVDA', NULL, NULL, 200.15, NULL, 9.0, NULL)," +
            "('2025-11-03 14:30:03+00', 'NVDA', 200.16, 50.0, NULL, NULL, NULL, NULL)," +
            "('2025-11-03 14:30:04+00', 'AAPL', 230.01, 10.0, 229.99, NULL, NULL, NULL)) " +
            "t(ts, symbol, price, size, bid, ask, bid_size, ask_size)) TO '" + file + "' (FORMAT parquet)");
        try (ParquetTickReader reader = ParquetTickReader.open(file, new TickCsvReader.Options("taq", null, Map.of())))
        {
            final List<String> trades = new ArrayList<>();
            final Tick tick = new Tick();
            while (reader.next(tick))
            {
                trades.add(tick.symbol + " " + tick.price + " bid " + tick.bid + "x" + tick.bidSize + " ask " + tick.ask + "x" + tick.askSize);
            }
            assertThat(trades).containsExactly(
                "NVDA 200.11 bid 200.1x5.0 ask 200.12x7.0",
                "NVDA 200.16 bid 200.15x9.0 ask 200.12x7.0",
                // a trade's own bid is kept; what it lacks comes from its symbol's quote
                "AAPL 230.01 bid 229.99x1.0 ask 230.02x2.0");
            assertThat(reader.quotesRead()).isEqualTo(3);
        }
        // pandas and Polars write a missing double as NaN rather than null: the same quotes
        final Path nan = dir.resolve("taq-nan.parquet");
        duckdb("COPY (SELECT ts, symbol, coalesce(price, 'NaN'::DOUBLE) AS price, size, bid, ask, bid_size, ask_size FROM read_parquet('" + file +
            "')) TO '" + nan + "' (FORMAT parquet)");
        try (ParquetTickReader reader = ParquetTickReader.open(nan, new TickCsvReader.Options("taq", null, Map.of())))
        {
            final Tick tick = new Tick();
            int trades = 0;
            while (reader.next(tick))
            {
                trades++;
            }
            assertThat(trades).isEqualTo(3);
            assertThat(reader.quotesRead()).isEqualTo(3);
        }
    }

    @Test
    void aBadRowIsNamedByItsRowAndRowGroupAndTheRowsAfterItStillRead() throws Exception
    {
        final Path file = dir.resolve("bad.parquet");
        duckdb("COPY (SELECT i, TIMESTAMPTZ '2025-11-03 14:30:00+00' + to_microseconds(i) AS ts, CASE WHEN i = 5000 THEN -1.0 ELSE 10.0 END AS price, " +
            "1.0 AS size FROM range(0, 8000) r(i) ORDER BY i) TO '" + file + "' (FORMAT parquet, ROW_GROUP_SIZE 2048)");
        // which row group holds row 5001, as the file's own metadata says
        final long group = queryLong("SELECT 1 + count(*) FILTER (WHERE first_row <= 5000) - 1 FROM (SELECT row_group_id, " +
            "sum(row_group_num_rows) OVER (ORDER BY row_group_id) - row_group_num_rows AS first_row FROM (SELECT DISTINCT row_group_id, " +
            "row_group_num_rows FROM parquet_metadata('" + file + "')))");
        assertThat(group).isGreaterThan(1);
        try (ParquetTickReader reader = ParquetTickReader.open(file, new TickCsvReader.Options("p", "S", Map.of())))
        {
            final Tick tick = new Tick();
            long good = 0;
            TickRowException bad = null;
            while (true)
            {
                try
                {
                    if (!reader.next(tick))
                    {
                        break;
                    }
                    good++;
                }
                catch (final TickRowException e)
                {
                    bad = e;
                }
            }
            assertThat(good).isEqualTo(7999);
            assertThat(bad).isNotNull();
            assertThat(bad.getMessage()).isEqualTo("row 5001 (row group " + group + "): price: must be > 0, was -1.0");
            assertThat(bad.lineNumber()).isEqualTo(5001);
        }
    }

    @Test
    void aDamagedRowGroupFailsTheFileNamingWhere() throws Exception
    {
        final Path file = dir.resolve("damaged.parquet");
        duckdb("COPY (SELECT TIMESTAMPTZ '2025-11-03 14:30:00+00' + to_microseconds(i) AS ts, random() * 100 + 1 AS price, i::DOUBLE AS size " +
            "FROM range(0, 200000) r(i)) TO '" + file + "' (FORMAT parquet, ROW_GROUP_SIZE 50000, COMPRESSION zstd)");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw"))
        {
            // overwrite bytes in the middle of the data pages, far from the footer
            raf.seek(raf.length() / 2);
            raf.write(new byte[4096]);
        }
        assertThatThrownBy(() -> read(ParquetTickReader.open(file, new TickCsvReader.Options("p", "S", Map.of()))))
            .isInstanceOf(IOException.class)
            .hasMessageMatching("(?s)row \\d+ \\(row group \\d\\): .*(damaged file).*");
    }

    @Test
    void missingColumnsAndTypesThatCannotHoldAFieldAreNamedTogether() throws Exception
    {
        final Path file = dir.resolve("other.parquet");
        duckdb("COPY (SELECT 1 AS id, 'x' AS name, [1, 2] AS list) TO '" + file + "' (FORMAT parquet)");
        assertThatThrownBy(() -> ParquetTickReader.open(file, FROM_FILE))
            .isInstanceOf(TickCsvReader.MissingColumnException.class)
            .hasMessageContaining("5 things are missing")
            .hasMessageContaining("the Parquet schema has 3 columns: 'id', 'name', 'list'")
            .hasMessageContaining("ts: ts, timestamp")
            .hasMessageNotContaining("--no-header");

        final Path textTs = dir.resolve("bool.parquet");
        duckdb("COPY (SELECT true AS ts, 1.0 AS price, 1.0 AS size) TO '" + textTs + "' (FORMAT parquet)");
        assertThatThrownBy(() -> ParquetTickReader.open(textTs, new TickCsvReader.Options("p", "S", Map.of())))
            .isInstanceOf(TickCsvReader.MissingColumnException.class)
            .hasMessage("the Parquet column 'ts' is BOOLEAN, which cannot hold a timestamp");
        assertThatThrownBy(() -> ParquetTickReader.open(textTs, new TickCsvReader.Options("p", "S", Map.of(), List.of("ts"), null, false)))
            .hasMessageContaining("a Parquet file names its columns");
    }

    @Test
    void parquetIsToldByItsBytesNotItsName() throws Exception
    {
        final Path disguised = duck("disguised", "SELECT * FROM src", "");
        final Path named = dir.resolve("ticks-export.csv");
        Files.move(disguised, named);
        try (TickFileReader reader = TickFileReader.open(named, FROM_FILE))
        {
            assertThat(reader.format()).isEqualTo("parquet");
        }
        try (TickFileReader reader = TickFileReader.open(csv, FROM_FILE))
        {
            assertThat(reader.format()).isEqualTo("csv");
        }
    }

    @Test
    void anInt96TimestampIsReadAsSparkAndImpalaWriteItNanosOfDayThenTheJulianDay()
    {
        final java.time.Instant at = java.time.Instant.parse("2025-11-03T14:30:00.123456789Z");
        final long epochDay = Math.floorDiv(at.getEpochSecond(), 86_400);
        final long nanosOfDay = Math.floorMod(at.getEpochSecond(), 86_400) * 1_000_000_000L + at.getNano();
        final java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(12).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(nanosOfDay).putInt((int)(epochDay + 2_440_588));
        assertThat(ParquetTickReader.int96Micros(org.apache.parquet.io.api.Binary.fromConstantByteArray(b.array())))
            .isEqualTo(at.getEpochSecond() * 1_000_000L + 123_456);
    }

    /** Writes {@code select} over the session (all text columns, as {@code src}) to a Parquet file with DuckDB. */
    private static Path duck(final String name, final String select, final String options) throws SQLException
    {
        final Path file = dir.resolve(name + ".parquet");
        duckdb("CREATE OR REPLACE TEMP VIEW src AS SELECT * FROM read_csv('" + csv + "', header = true, all_varchar = true)",
            "COPY (" + select + ") TO '" + file + "' (FORMAT parquet" + (options.isEmpty() ? "" : ", " + options) + ")");
        return file;
    }

    private static void duckdb(final String... sql) throws SQLException
    {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement())
        {
            s.execute("SET TimeZone = 'UTC'");
            for (final String q : sql)
            {
                s.execute(q);
            }
        }
    }

    private static long rowGroups(final Path file) throws SQLException
    {
        return queryLong("SELECT count(DISTINCT row_group_id) FROM parquet_metadata('" + file + "')");
    }

    private static long queryLong(final String sql) throws SQLException
    {
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:"); Statement s = c.createStatement(); var rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static List<String> read(final ParquetTickReader reader) throws Exception
    {
        try (reader)
        {
            final List<String> out = new ArrayList<>();
            final Tick tick = new Tick();
            while (reader.next(tick))
            {
                out.add(describe(tick));
            }
            return out;
        }
    }

    private static List<String> read(final TickFileReader reader) throws Exception
    {
        try (reader)
        {
            final List<String> out = new ArrayList<>();
            final Tick tick = new Tick();
            while (reader.next(tick))
            {
                out.add(describe(tick));
            }
            return out;
        }
    }

    private static String describe(final Tick t)
    {
        return t.provider + "|" + t.symbol + "|" + t.tsMicros + "|" + t.price + "|" + t.size + "|" + t.bid + "|" + t.ask + "|" + t.bidSize + "|" + t.askSize;
    }
}
