package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static io.tickreplay.api.cli.CliIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code tickreplay import} on files as users have them: what the user is told and the exit code. */
class ImportCliIT
{
    private static Database db;
    private static String url;

    @TempDir
    Path dir;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("import_cli");
        url = db.url();
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    @Test
    void everythingAFileLacksIsNamedInOneRunWithTheFlagsThatSupplyIt() throws Exception
    {
        final Path file = dir.resolve("export.csv");
        Files.writeString(file, "when,last,qty\n1762180201,1.5,2\n");
        final CliIT.Run run = run("import", "--db-url", url, file.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).contains(file.toString()).contains("4 things are missing").contains("--column ts=NAME").contains("--column price=NAME")
            .contains("pass --symbol").contains("pass --provider").contains("'when', 'last', 'qty'");
    }

    @Test
    void aParquetFileIsImportedByItsBytesWhateverItsNameAndADamagedOneIsNamedNotPrinted() throws Exception
    {
        final Path file = dir.resolve("trades-from-the-vendor.csv");
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement())
        {
            s.execute("COPY (SELECT 'PQ' AS ticker, TIMESTAMPTZ '2025-11-03 14:30:00+00' + to_microseconds(i * 1000) AS \"Timestamp\", " +
                "(100 + i / 100)::DECIMAL(12,2) AS price, (i % 7 + 1)::BIGINT AS qty FROM range(0, 30000) r(i)) TO '" + file + "' (FORMAT parquet)");
        }
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "kraken", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("imported " + file + " (parquet): 30,000 new rows; PQ from 2025-11-03");
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'kraken' AND symbol = 'PQ'")).isEqualTo(30_000);

        final Path damaged = dir.resolve("trades.parquet");
        Files.write(damaged, new byte[] {'P', 'A', 'R', '1', 0x15, 0x00, (byte)0xff, '\n', 1, 2});
        final CliIT.Run bad = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "PQ", damaged.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err().strip()).isEqualTo("tickreplay import: error: " + damaged + ": not a readable Parquet file (it starts with PAR1, but is not a Parquet file " +
                "(length is too low: 10)); nothing of trades.parquet was imported");
    }

    @Test
    void aTaqFileSaysHowManyQuotesItReadAndHowManyTradesItStored() throws Exception
    {
        final Path file = dir.resolve("taq.csv");
        Files.writeString(file, """
            time,symbol,price,size,bid,ask
            2025-11-03T14:30:00Z,TAQX,,,10.00,10.02
            2025-11-03T14:30:01Z,TAQX,10.01,100,,
            2025-11-03T14:30:02Z,TAQX,,,10.01,10.03
            2025-11-03T14:30:03Z,TAQX,10.02,5,,
            """);
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "taq", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("quotes read: 2 (not ticks; their bid/ask/sizes carried into the trades after them), trades stored: 2");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'TAQX' AND bid IS NOT NULL AND ask IS NOT NULL")).isEqualTo(2);
    }

    @Test
    void skippingEveryRowIsAFailureWithTheCountAndTheFirstLine() throws Exception
    {
        final Path file = dir.resolve("allbad.csv");
        Files.writeString(file, "timestamp,price,amount\n1762180201,x,2\n1762180202,y,2\n");
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "ALLBAD", "--on-error", "skip", file.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("every row was bad, 2 skipped").contains("line 2: price: not a number: 'x'");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'ALLBAD'")).isZero();

        // some rows good: the skip policy as before, exit 0
        Files.writeString(file, "timestamp,price,amount\n1762180201,x,2\n1762180202,1.5,2\n");
        final CliIT.Run some = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "ALLBAD", "--on-error", "skip", file.toString());
        assertThat(some.exit()).as(some.err()).isZero();
        assertThat(some.out()).contains("skipped 1 bad rows");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'ALLBAD'")).isEqualTo(1);
    }

    @Test
    void aHeaderlessFileIsReadByTheColumnsNamedOnTheCommandLine() throws Exception
    {
        final Path file = dir.resolve("BTCUSDT-aggTrades-2025-11-03.csv");
        Files.writeString(file, "3080321,68010.50,0.015,4120001,4120002,1762180201000,true,true\n3080322,68011.00,0.250,4120003,4120003,1762180201250,false,true\n");
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "binance", "--symbol", "BTCUSDT", "--no-header", "--columns", "-,price,qty,,-,ts,-,-",
            file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'binance' AND symbol = 'BTCUSDT' AND price IN (68010.50, 68011.00)")).isEqualTo(2);

        final CliIT.Run columnsAlone = run("import", "--db-url", url, "--provider", "binance", "--symbol", "BTCUSDT", "--columns", "ts,price,size", file.toString());
        assertThat(columnsAlone.exit()).isEqualTo(2);
        assertThat(columnsAlone.err()).contains("--columns names the columns of a file without a header row: add --no-header");
        final CliIT.Run noHeaderAlone = run("import", "--db-url", url, "--provider", "binance", "--symbol", "BTCUSDT", "--no-header", file.toString());
        assertThat(noHeaderAlone.exit()).isEqualTo(2);
        assertThat(noHeaderAlone.err()).contains("--no-header needs --columns");
    }

    @Test
    void timestampsWithoutAnOffsetAreReadInTheZoneOfTz() throws Exception
    {
        final Path file = dir.resolve("ny.csv");
        Files.writeString(file, "ts,price,size\n2025-11-03 09:30:00,10.5,1\n2025-11-03T09:30:01-05:00,10.6,1\n");
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "nyse", "--symbol", "TZNY", "--tz", "America/New_York", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'TZNY' AND ts IN ('2025-11-03T14:30:00Z', '2025-11-03T14:30:01Z')")).isEqualTo(2);

        final CliIT.Run bad = run("import", "--db-url", url, "--provider", "nyse", "--symbol", "TZNY", "--tz", "New_York", file.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--tz: 'New_York' is not a time zone");
    }

    @Test
    void aSemicolonFileWithDecimalCommasAndADatePlusTimeInNewYork() throws Exception
    {
        final Path file = dir.resolve("sap.csv");
        Files.writeString(file, "datum;zeit;preis;menge\n2025-11-03;09:30:00;231,45;1,5\n");
        final CliIT.Run without = run("import", "--db-url", url, "--provider", "xetra", "--symbol", "SAPNY", "--column", "ts=datum+zeit",
            "--column", "price=preis", "--column", "size=menge", file.toString());
        assertThat(without.exit()).isEqualTo(1);
        assertThat(without.err()).contains("line 2: price: not a number: '231,45' (a decimal comma? pass --decimal-comma)");

        final CliIT.Run run = run("import", "--db-url", url, "--provider", "xetra", "--symbol", "SAPNY", "--column", "ts=datum+zeit",
            "--column", "price=preis", "--column", "size=menge", "--decimal-comma", "--tz", "America/New_York", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'SAPNY' AND ts = '2025-11-03T14:30:00Z' AND price = 231.45 AND size = 1.5"))
            .isEqualTo(1);
    }

    static long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
