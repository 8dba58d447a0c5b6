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
    void aParquetFileIsCalledBinaryNotPrinted() throws Exception
    {
        final Path file = dir.resolve("trades.parquet");
        Files.write(file, new byte[] {'P', 'A', 'R', '1', 0x15, 0x00, (byte)0xff, '\n', 1, 2});
        final CliIT.Run run = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "PQ", file.toString());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("tickreplay import: " + file + " looks like a binary file (Parquet: starts with PAR1), not CSV");
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

    static long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
