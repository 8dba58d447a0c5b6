package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.files.TickColumn;
import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.csv.TickCsvWriter;
import io.tickreplay.adapters.files.TickRowException;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TickImportIT
{
    private static final TickCsvReader.Options DEFAULTS = TickCsvReader.Options.defaults();
    private static Database db;
    private static TickImporter importer;

    @TempDir
    Path dir;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("import");
        importer = new TickImporter(db.dataSource());
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    @BeforeEach
    void empty() throws SQLException
    {
        execute("TRUNCATE tick_data");
    }

    @Test
    void importsAMillionRowsExactlyAsTheFileHasThem() throws Exception
    {
        final Path file = dir.resolve("million.csv");
        final long rows = writeSession(file, 1_000_000, "import-1m");
        final TickImporter.Result result = importer.importFile(file, DEFAULTS, TickImporter.OnError.FAIL, f -> { });

        assertThat(result.rowsRead()).isEqualTo(rows);
        assertThat(result.rowsInserted()).isEqualTo(rows);
        assertThat(result.strategy()).isEqualTo("copy");
        assertThat(queryLong("SELECT count(*) FROM tick_data")).isEqualTo(rows);
        // the file's own seq column was ignored and numbered again the same way: every value agrees with the source
        final String stored = digest();
        execute("TRUNCATE tick_data");
        try (Connection c = db.connection(); java.io.Reader in = Files.newBufferedReader(file))
        {
            c.unwrap(org.postgresql.PGConnection.class).getCopyAPI()
                .copyIn("COPY tick_data (" + TickCsvWriter.HEADER + ") FROM STDIN (FORMAT csv, HEADER true)", in);
        }
        assertThat(stored).isEqualTo(digest());
        assertThat(rows).isBetween(900_000L, 1_100_000L);
    }

    @Test
    void aBadRowInTheMiddleLeavesTheTableUnchangedAndNamesItsLine() throws Exception
    {
        final Path before = dir.resolve("before.csv");
        write(before, "ts,price,size\n2025-11-03T14:30:00Z,10,1\n");
        importer.importFile(before, new TickCsvReader.Options("ibkr", "KEEP", Map.of()), TickImporter.OnError.FAIL, f -> { });
        final String stored = digest();

        final Path file = dir.resolve("bad.csv");
        final StringBuilder csv = new StringBuilder("timestamp,price,amount\n");
        for (int i = 0; i < 50_000; i++)
        {
            csv.append(1762180200L + i).append(',').append(i == 25_000 ? "12..5" : "12.5").append(",1\n");
        }
        write(file, csv.toString());

        assertThatThrownBy(() -> importer.importFile(file, new TickCsvReader.Options("ibkr", "NVDA", Map.of()), TickImporter.OnError.FAIL, f -> { }))
            .isInstanceOf(TickRowException.class)
            .hasMessage("line 25002: price: not a number: '12..5'");
        assertThat(digest()).isEqualTo(stored);
        assertThat(queryLong("SELECT count(*) FROM tick_data WHERE symbol = 'NVDA'")).isZero();
    }

    @Test
    void skipModeLoadsTheRestAndReportsWhatItSkipped() throws Exception
    {
        final Path file = dir.resolve("skip.csv");
        write(file, "ts,price,size\n1762180201,1,1\n1762180202,x,1\n1762180203,1,1\n1762180204,1\n1762180205,2,2\n");
        final TickImporter.Result result = importer.importFile(file, new TickCsvReader.Options("ibkr", "NVDA", Map.of()), TickImporter.OnError.SKIP, f -> { });
        assertThat(result.rowsInserted()).isEqualTo(3);
        assertThat(result.rowsSkipped()).isEqualTo(2);
        assertThat(result.skippedSample()).containsExactly("line 3: price: not a number: 'x'", "line 5: expected at least 3 columns, found 2");
        assertThat(queryLong("SELECT count(*) FROM tick_data")).isEqualTo(3);
    }

    @Test
    void reImportingTheSameFileAddsNothingAndAnOverlappingFileOnlyItsNewRows() throws Exception
    {
        final TickCsvReader.Options options = new TickCsvReader.Options("kraken", "XBTUSD", Map.of());
        final Path first = dir.resolve("first.csv");
        // three trades share one second: seq 0, 1, 2 in file order
        write(first, "timestamp,price,amount\n1762180201,1,1\n1762180201,2,1\n1762180201,3,1\n1762180202,4,1\n");
        assertThat(importer.importFile(first, options, TickImporter.OnError.FAIL, f -> { }).rowsInserted()).isEqualTo(4);
        final String stored = digest();

        final TickImporter.Result again = importer.importFile(first, options, TickImporter.OnError.FAIL, f -> { });
        assertThat(again.rowsInserted()).isZero();
        assertThat(again.rowsAlreadyPresent()).isEqualTo(4);
        assertThat(again.strategy()).isEqualTo("merge");
        assertThat(digest()).isEqualTo(stored);

        final Path overlapping = dir.resolve("overlapping.csv");
        write(overlapping, "timestamp,price,amount\n1762180201,1,1\n1762180201,2,1\n1762180201,3,1\n1762180202,4,1\n1762180203,5,1\n");
        final TickImporter.Result merged = importer.importFile(overlapping, options, TickImporter.OnError.FAIL, f -> { });
        assertThat(merged.rowsInserted()).isEqualTo(1);
        assertThat(merged.rowsAlreadyPresent()).isEqualTo(4);
        assertThat(queryLong("SELECT count(*) FROM tick_data")).isEqualTo(5);
    }

    @Test
    void keepsFileOrderInSeqForTicksSharingATimestamp() throws Exception
    {
        final Path file = dir.resolve("ties.csv");
        write(file, "timestamp,price,amount\n1762180201,3,1\n1762180201,1,1\n1762180201,2,1\n");
        importer.importFile(file, new TickCsvReader.Options("ibkr", "NVDA", Map.of()), TickImporter.OnError.FAIL, f -> { });
        assertThat(queryStrings("SELECT seq || ':' || price FROM tick_data ORDER BY seq")).containsExactly("0:3", "1:1", "2:2");
    }

    @Test
    void importsAFileThatGoesBackInTimeNumberingTiesByFileOrder() throws Exception
    {
        final Path file = dir.resolve("unsorted.csv");
        write(file, "symbol,timestamp,price,amount\nA,1762180205,1,1\nA,1762180201,2,1\nA,1762180205,3,1\nB,1762180201,4,1\n");
        final TickImporter.Result result = importer.importFile(file, new TickCsvReader.Options("ibkr", null, Map.of()), TickImporter.OnError.FAIL, f -> { });
        assertThat(result.sortedPerSymbol()).isFalse();
        assertThat(result.rowsInserted()).isEqualTo(4);
        assertThat(queryStrings("SELECT symbol || ':' || extract(epoch FROM ts)::bigint || ':' || seq || ':' || price FROM tick_data ORDER BY symbol, ts, seq"))
            .containsExactly("A:1762180201:0:2", "A:1762180205:0:1", "A:1762180205:1:3", "B:1762180201:0:4");
    }

    @Test
    void importsFilesAsUsersHaveThemHeaderlessDecimalCommaAndDatePlusTimeInNewYork() throws Exception
    {
        // Binance aggTrades: no header; agg_trade_id,price,quantity,first_id,last_id,transact_time(ms),is_buyer_maker,is_best_match
        final Path agg = dir.resolve("BTCUSDT-aggTrades-2025-11-03.csv");
        write(agg, "3080321,68010.50,0.015,4120001,4120002,1762180201000,true,true\n3080322,68011.00,0.250,4120003,4120003,1762180201250,false,true\n");
        final TickImporter.Result headerless = importer.importFile(agg, new TickCsvReader.Options("binance", "BTCUSDT", Map.of(),
            List.of("-", "price", "quantity", "-", "-", "ts", "-", "-"), null, false), TickImporter.OnError.FAIL, f -> { });
        assertThat(headerless.rowsInserted()).isEqualTo(2);

        // a European export: ';' separated, decimal commas
        final Path xetra = dir.resolve("sap.csv");
        write(xetra, "Zeit;Preis;Volumen;Bid\n2025-11-03T09:00:00.5+01:00;231,45;1,5;231,40\n2025-11-03T09:00:01+01:00;231,50;20;\n");
        final TickImporter.Result comma = importer.importFile(xetra, new TickCsvReader.Options("xetra", "SAP",
            Map.of(TickColumn.TS, "zeit", TickColumn.PRICE, "preis", TickColumn.SIZE, "volumen", TickColumn.BID, "bid"), null, null, true),
            TickImporter.OnError.FAIL, f -> { });
        assertThat(comma.rowsInserted()).isEqualTo(2);

        // date and time in two columns, New York local time, across nothing but a plain November day
        final Path ny = dir.resolve("ibm.csv");
        write(ny, "Date,Time,Price,Volume\n2025-11-03,09:30:00.123,231.45,100\n2025-11-03,09:30:00.123,231.46,200\n2025-11-03,16:00:00,232.00,300\n");
        final TickImporter.Result joined = importer.importFile(ny, new TickCsvReader.Options("nyse", "IBM", Map.of(TickColumn.TS, "date+time"), null,
            java.time.ZoneId.of("America/New_York"), false), TickImporter.OnError.FAIL, f -> { });
        assertThat(joined.rowsInserted()).isEqualTo(3);

        assertThat(queryStrings("SELECT provider || '/' || symbol || ' ' || to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || ' #' || seq || ' ' || " +
            "price || ' x ' || size || ' bid ' || coalesce(bid::text, '-') FROM tick_data ORDER BY provider, symbol, ts, seq"))
            .containsExactly(
                "binance/BTCUSDT 2025-11-03T14:30:01.000000 #0 68010.5 x 0.015 bid -",
                "binance/BTCUSDT 2025-11-03T14:30:01.250000 #0 68011 x 0.25 bid -",
                "nyse/IBM 2025-11-03T14:30:00.123000 #0 231.45 x 100 bid -",
                "nyse/IBM 2025-11-03T14:30:00.123000 #1 231.46 x 200 bid -",
                "nyse/IBM 2025-11-03T21:00:00.000000 #0 232 x 300 bid -",
                "xetra/SAP 2025-11-03T08:00:00.500000 #0 231.45 x 1.5 bid 231.4",
                "xetra/SAP 2025-11-03T08:00:01.000000 #0 231.5 x 20 bid -");
    }

    @Test
    void aParquetFileFromAnIndependentWriterStoresTheRowsOfTheSameCsvAndReimportsIdempotently() throws Exception
    {
        final Path csv = dir.resolve("session.csv");
        final long rows = writeSession(csv, 200_000, "pq");
        importer.importFile(csv, DEFAULTS, TickImporter.OnError.FAIL, f -> { });
        final String fromCsv = digest();
        execute("TRUNCATE tick_data");

        // DuckDB writes it with typed columns in row groups of ~20k: instants, doubles, nullable quote fields
        final Path parquet = dir.resolve("session.data");
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement())
        {
            s.execute("SET TimeZone = 'UTC'");
            s.execute("COPY (SELECT provider, symbol, ts::TIMESTAMPTZ AS timestamp, price::DOUBLE AS price, size::DOUBLE AS size, bid::DOUBLE AS bid, " +
                "ask::DOUBLE AS ask, bid_size::DOUBLE AS bid_size, ask_size::DOUBLE AS ask_size FROM read_csv('" + csv + "', header = true, all_varchar = true)) " +
                "TO '" + parquet + "' (FORMAT parquet, ROW_GROUP_SIZE 20480)");
        }
        final List<Double> fractions = new ArrayList<>();
        final TickImporter.Result result = importer.importFile(parquet, DEFAULTS, TickImporter.OnError.FAIL, fractions::add);
        assertThat(result.format()).isEqualTo("parquet");
        assertThat(result.rowsInserted()).isEqualTo(rows);
        assertThat(result.strategy()).isEqualTo("copy");
        assertThat(digest()).isEqualTo(fromCsv);
        assertThat(fractions).isNotEmpty().isSorted().last().isEqualTo(1.0);

        final TickImporter.Result again = importer.importFile(parquet, DEFAULTS, TickImporter.OnError.FAIL, f -> { });
        assertThat(again.strategy()).isEqualTo("merge");
        assertThat(again.rowsInserted()).isZero();
        assertThat(again.rowsAlreadyPresent()).isEqualTo(rows);
        assertThat(digest()).isEqualTo(fromCsv);
    }

    @Test
    void aBadParquetRowLeavesNothingAndNamesItsRowAndRowGroup() throws Exception
    {
        final Path parquet = dir.resolve("bad.parquet");
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement())
        {
            s.execute("COPY (SELECT 'NVDA' AS symbol, epoch_ms(TIMESTAMP '2025-11-03 14:30:00') + i AS ts, " +
                "CASE WHEN i = 30000 THEN NULL ELSE 10.0 + i / 1000 END AS price, 1 AS size FROM range(0, 50000) r(i) ORDER BY i) " +
                "TO '" + parquet + "' (FORMAT parquet, ROW_GROUP_SIZE 10240)");
        }
        assertThatThrownBy(() -> importer.importFile(parquet, new TickCsvReader.Options("ibkr", null, Map.of()), TickImporter.OnError.FAIL, f -> { }))
            .isInstanceOf(TickRowException.class)
            .hasMessageMatching("row 30001 \\(row group \\d\\): price: empty");
        assertThat(queryLong("SELECT count(*) FROM tick_data")).isZero();

        final TickImporter.Result skipped = importer.importFile(parquet, new TickCsvReader.Options("ibkr", null, Map.of()), TickImporter.OnError.SKIP, f -> { });
        assertThat(skipped.rowsSkipped()).isEqualTo(1);
        assertThat(skipped.rowsInserted()).isEqualTo(49_999);
        // epoch milliseconds, told by magnitude
        assertThat(queryStrings("SELECT to_char(min(ts) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM tick_data")).containsExactly("2025-11-03 14:30:00.000");
    }

    @Test
    void taqQuoteRowsAreNotTicksAndGiveTheTradesAfterThemTheirBidAndAsk() throws Exception
    {
        final Path file = dir.resolve("taq-2025-11-03.csv");
        write(file, """
            time,symbol,price,size,bid,ask,bid_size,ask_size
            2025-11-03T14:30:00.000Z,NVDA,,,200.10,200.12,500,700
            2025-11-03T14:30:00.100Z,AAPL,,,230.00,230.02,100,200
            2025-11-03T14:30:01.000Z,NVDA,200.11,100,,,,
            2025-11-03T14:30:01.000Z,NVDA,200.12,50,,,,
            2025-11-03T14:30:02.000Z,NVDA,,,200.15,200.17,900,
            2025-11-03T14:30:03.000Z,NVDA,200.16,25,,,,
            2025-11-03T14:30:04.000Z,AAPL,230.01,10,,,,
            2025-11-03T14:30:05.000Z,MSFT,500.00,1,,,,
            """);
        final TickImporter.Result result = importer.importFile(file, new TickCsvReader.Options("taq", null, Map.of()), TickImporter.OnError.FAIL, f -> { });
        assertThat(result.quotesRead()).isEqualTo(3);
        assertThat(result.rowsRead()).isEqualTo(5);
        assertThat(result.rowsInserted()).isEqualTo(5);
        assertThat(queryStrings("SELECT symbol || ' ' || to_char(ts AT TIME ZONE 'UTC', 'HH24:MI:SS') || ' #' || seq || ' ' || price || ' bid ' || " +
            "coalesce(bid::text, '-') || 'x' || coalesce(bid_size::text, '-') || ' ask ' || coalesce(ask::text, '-') || 'x' || coalesce(ask_size::text, '-') " +
            "FROM tick_data ORDER BY ts, symbol, seq"))
            .containsExactly(
                "NVDA 14:30:01 #0 200.11 bid 200.1x500 ask 200.12x700",
                "NVDA 14:30:01 #1 200.12 bid 200.1x500 ask 200.12x700",
                // the second quote has no ask size: the one before stands
                "NVDA 14:30:03 #0 200.16 bid 200.15x900 ask 200.17x700",
                "AAPL 14:30:04 #0 230.01 bid 230x100 ask 230.02x200",
                // no quote yet for MSFT: no bid/ask made up
                "MSFT 14:30:05 #0 500 bid -x- ask -x-");
        // spread and book imbalance have what they need
        assertThat(queryLong("SELECT count(*) FROM tick_data WHERE symbol <> 'MSFT' AND bid IS NOT NULL AND ask IS NOT NULL")).isEqualTo(4);
    }

    private static long writeSession(final Path file, final long ticks, final String provider) throws IOException
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider(provider).symbols(List.of("NVDA", "AAPL", "MSFT", "AMZN")).seed(3);
        final long atOne = new SyntheticSession(new SyntheticSession.Context().provider(provider).symbols(List.of("NVDA", "AAPL", "MSFT", "AMZN")).ticksPerSecond(1.0)).expectedTicks();
        ctx.ticksPerSecond(ticks / (double)atOne);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
        {
            new SyntheticSession(ctx).run(writer, f -> { });
            return writer.rows();
        }
    }

    private static void write(final Path file, final String text) throws IOException
    {
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static void execute(final String sql) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
    }

    static long queryLong(final String sql) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    static List<String> queryStrings(final String sql) throws SQLException
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            while (rs.next())
            {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    static String digest() throws SQLException
    {
        return String.join("|", queryStrings("SELECT count(*) || ' ' || coalesce(sum(seq), 0) || ' ' || coalesce(sum(extract(epoch FROM ts)), 0) || ' ' || " +
            "coalesce(sum(price::numeric * size::numeric), 0) || ' ' || coalesce(sum(bid::numeric), 0) || ' ' || coalesce(sum(ask_size::numeric), 0) || ' ' || coalesce(string_agg(DISTINCT provider || '/' || symbol, ','), '') FROM tick_data"));
    }
}
