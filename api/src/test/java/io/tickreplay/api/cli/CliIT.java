package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.api.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The CLI as a user runs it, in-process, against a real PostgreSQL (a schema of its own). */
public class CliIT
{
    private static Database db;
    private static String url;

    @TempDir
    Path dir;

    public record Run(int exit, String out, String err)
    {
    }

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("cli");
        url = db.url();
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    public static synchronized Run run(final String... args)
    {
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            final int exit = Main.execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @ParameterizedTest(name = "{0} --help")
    @ValueSource(strings = {"demo", "serve", "generate", "import", "replay", "live", "export", "bench"})
    void everyCommandExplainsItself(final String command)
    {
        final Run run = run(command, "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).contains("Usage: tickreplay " + command).contains("--db-url");
    }

    @Test
    void badArgumentsExitWithTwoAndOneClearLine() throws Exception
    {
        assertThat(run("no-such-command").exit()).isEqualTo(2);
        assertThat(run().exit()).isEqualTo(2);
        assertThat(run("generate", "--days", "many").exit()).isEqualTo(2);

        final Run days = run("generate", "--db-url", url, "--days", "0");
        assertThat(days.exit()).isEqualTo(2);
        assertThat(days.err().strip()).isEqualTo("tickreplay generate: days must be >= 1, was 0");

        final Path file = dir.resolve("trades.csv");
        Files.writeString(file, "timestamp,price,amount\n1762180201,1.5,2\n");
        final Run onError = run("import", "--db-url", url, "--on-error", "maybe", file.toString());
        assertThat(onError.exit()).isEqualTo(2);
        assertThat(onError.err()).contains("--on-error must be fail or skip");

        final Run noSymbol = run("import", "--db-url", url, "--provider", "kraken", file.toString());
        assertThat(noSymbol.exit()).isEqualTo(2);
        assertThat(noSymbol.err()).contains("the file has no symbol column").contains("pass --symbol");

        final Run missing = run("import", "--db-url", url, dir.resolve("nope.csv").toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("no such file");
        final Run directory = run("import", "--db-url", url, dir.toString());
        assertThat(directory.exit()).isEqualTo(2);
        assertThat(directory.err()).contains("is a directory");
    }

    @Test
    void filesThatLieAreRefusedNamingTheFileAndLine() throws Exception
    {
        // a truncated gzip: the file's name and what to suspect, nothing imported
        final Path gz = dir.resolve("cut.csv.gz");
        final java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(whole))
        {
            out.write("timestamp,price,amount\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            for (int i = 0; i < 20_000; i++)
            {
                out.write(("17621802" + (10 + i % 80) + "," + (1.5 + i % 7) + ",2\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
        }
        final byte[] bytes = whole.toByteArray();
        Files.write(gz, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        final Run cut = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "CUTGZ", gz.toString());
        assertThat(cut.exit()).isEqualTo(1);
        assertThat(cut.err()).contains(gz.toString()).contains("truncated or damaged gzip").contains("nothing of cut.csv.gz was imported");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'CUTGZ'")).isZero();

        final Path twice = dir.resolve("twice.csv");
        Files.writeString(twice, "timestamp,price,amount,price\n1762180201,1.5,2,1.6\n");
        final Run duplicated = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "TWICE", twice.toString());
        assertThat(duplicated.exit()).isNotZero();
        assertThat(duplicated.err()).contains("line 1").contains("column 'price' appears twice (columns 2 and 4)");

        final Path nul = dir.resolve("nul.csv");
        Files.writeString(nul, "timestamp,symbol,price,amount\n1762180201,AB,1.5,2\n1762180202,A\u0000B,1.5,2\n");
        final Run control = run("import", "--db-url", url, "--provider", "kraken", nul.toString());
        assertThat(control.exit()).isEqualTo(1);
        assertThat(control.err()).contains("line 3: symbol: holds the control character U+0000");

        final Path far = dir.resolve("far.csv");
        Files.writeString(far, "timestamp,price,amount\n1762180201,1.5,2\n+99999-01-01T00:00:00Z,1.5,2\n");
        final Run future = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "FAR", far.toString());
        assertThat(future.exit()).isEqualTo(1);
        assertThat(future.err()).contains("line 3: ts: must be from 1900-01-01 to before 10000-01-01");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'FAR'")).isZero();
    }

    @Test
    void aBadRowFailsWithItsLineNumberAndNoStackTraceUnlessVerbose() throws Exception
    {
        final Path file = dir.resolve("bad.csv");
        Files.writeString(file, "timestamp,price,amount\n1762180201,1.5,2\n1762180202,oops,2\n");
        final Run run = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "BADROW", file.toString());
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err()).contains("line 3: price: not a number: 'oops'").contains("nothing of bad.csv was imported").doesNotContain("\tat ");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'BADROW'")).isZero();

        final Run verbose = run("import", "--verbose", "--db-url", url, "--provider", "kraken", "--symbol", "BADROW", file.toString());
        assertThat(verbose.exit()).isEqualTo(1);
        assertThat(verbose.err()).contains("\tat io.tickreplay");
    }

    @Test
    void importsARealWorldTradesFileWithProviderAndSymbolInFileOrder() throws Exception
    {
        final Path file = dir.resolve("XBTUSD.csv");
        Files.writeString(file, "timestamp,price,amount\n1762180201,68010.5,0.01\n1762180201,68011.0,0.25\n1762180200,68000.0,1.5\n1762180203,68020.1,0.002\n");
        final Run run = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "XBTUSD", file.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("4 new rows");
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'kraken' AND symbol = 'XBTUSD'")).isEqualTo(4);
        assertThat(count("SELECT seq FROM tick_data WHERE symbol = 'XBTUSD' AND price = 68011.0")).isEqualTo(1);

        final Run again = run("import", "--db-url", url, "--provider", "kraken", "--symbol", "XBTUSD", file.toString());
        assertThat(again.exit()).isZero();
        assertThat(again.out()).contains("0 new rows, 4 already in tick_data");
        assertThat(count("SELECT count(*) FROM tick_data WHERE symbol = 'XBTUSD'")).isEqualTo(4);
    }

    @Test
    void demoGeneratesASessionIntoAnEmptyStoreAndShowsIt() throws Exception
    {
        try (Database own = PostgresTestSupport.freshSchema("cli_demo"))
        {
            final Path conf = dir.resolve("demo.conf");
            Files.writeString(conf, "tickreplay.replay.journal-dir = \"" + dir.resolve("journal") + "\"\n");
            final Run run = run("demo", "--exit", "--port", "0", "--config", conf.toString(), "--db-url", own.url(), "--ticks", "50000");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out())
                .contains("effective configuration")
                .contains("db.url = ")
                .contains("the store is empty: generating")
                .contains("earlier trading days") // the seed's October 2025 examples find data
                .contains("on 2025-10-01 .. 2025-10-31")
                .contains("tick_data holds:")
                .contains("NVDA").contains("TSLA")
                .contains("replaying ibkr").contains("ticks/s, checksum")
                .containsPattern("API: http://127\\.0\\.0\\.1:[0-9]+ ") // api.bind's default: this machine only
                .contains("signals/s");
            // the seed's windows find ticks: 14:00Z on 2025-11-03 (extended hours) and October for NVDA, AAPL, MSFT
            try (java.sql.Connection c = own.connection(); java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE ts >= '2025-11-03T14:00:00Z' AND ts < '2025-11-03T14:05:00Z' AND symbol = 'NVDA'), " +
                     "count(DISTINCT symbol) FILTER (WHERE ts >= '2025-10-01T09:30:00Z' AND ts < '2025-10-31T16:00:00Z') FROM tick_data WHERE provider = 'ibkr'"))
            {
                rs.next();
                assertThat(rs.getLong(1)).as("NVDA ticks in the seed's 6.3 export window").isPositive();
                assertThat(rs.getLong(2)).as("symbols in the seed's 5.2 October window").isEqualTo(3);
            }
            final Run second = run("demo", "--exit", "--port", "0", "--config", conf.toString(), "--db-url", own.url());
            assertThat(second.out()).doesNotContain("the store is empty");
        }
    }

    @Test
    void replayPrintsItsJobAsTheSeedsJsonAndAJournalReplaysIt() throws Exception
    {
        final Path journals = dir.resolve("journal");
        assertThat(run("generate", "--db-url", url, "--provider", "clitest", "--symbols", "NVDA,AAPL", "--rate", "1", "--seed", "3").exit()).isZero();
        final Run replay = run("replay", "--db-url", url, "--journal-dir", journals.toString(), "--provider", "clitest", "--symbols", "NVDA,AAPL",
            "--start", "2025-11-03T14:30:00", "--end", "2025-11-03T15:00:00Z", "--speed", "0");
        assertThat(replay.exit()).as(replay.err()).isZero();
        final com.fasterxml.jackson.databind.JsonNode job = new com.fasterxml.jackson.databind.ObjectMapper().readTree(replay.out());
        assertThat(java.util.List.of(job.fieldNames().next())).containsExactly("run_id");
        final java.util.List<String> fields = new java.util.ArrayList<>();
        job.fieldNames().forEachRemaining(fields::add);
        assertThat(fields).containsExactly("run_id", "job_name", "provider", "status", "symbols", "rows_written", "min_ts", "max_ts",
            "started_at", "completed_at", "error_message", "metadata");
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertThat(job.get("min_ts").asText()).isEqualTo("2025-11-03T14:30:00Z");
        final long rows = count("SELECT count(*) FROM tick_data WHERE provider = 'clitest' AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T15:00:00Z'");
        assertThat(job.get("rows_written").asLong()).isEqualTo(rows).isPositive();
        final String runId = job.get("run_id").asText();

        final Run verify = run("journal", "verify", "--journal-dir", journals.toString(), runId);
        assertThat(verify.exit()).as(verify.out() + verify.err()).isZero();
        assertThat(verify.out()).contains("OK");
        final Run again = run("replay", "--db-url", url, "--journal-dir", journals.toString(), "--from-journal", runId, "--speed", "0");
        assertThat(again.exit()).as(again.err()).isZero();
        final com.fasterxml.jackson.databind.JsonNode second = new com.fasterxml.jackson.databind.ObjectMapper().readTree(again.out());
        assertThat(second.get("metadata").get("checksum").asText()).isEqualTo(job.get("metadata").get("checksum").asText());
        assertThat(run("journal", "list", "--journal-dir", journals.toString()).out()).contains(runId);
        final Run dump = run("journal", "dump", "--journal-dir", journals.toString(), "--limit", "3", runId);
        assertThat(dump.out().strip().split("\n")).hasSize(4);

        // the journal as a killed process leaves it (its manifest still says running): incomplete, refused unless --allow-partial
        final Path runDir = journals.resolve(runId);
        final io.tickreplay.adapters.chronicle.JournalManifest whole = io.tickreplay.adapters.chronicle.JournalManifest.read(runDir);
        whole.withOutcome("running", 0, null, null, null, null).write(runDir);
        final Run incomplete = run("journal", "verify", "--journal-dir", journals.toString(), runId);
        assertThat(incomplete.exit()).as(incomplete.out()).isEqualTo(3);
        assertThat(incomplete.out()).contains("INCOMPLETE").contains("never ended").contains("it holds " + String.format("%,d", rows) + " ticks");
        final Run refused = run("replay", "--db-url", url, "--journal-dir", journals.toString(), "--from-journal", runId, "--speed", "0");
        assertThat(refused.exit()).isEqualTo(2);
        assertThat(refused.err()).contains("incomplete").contains("--allow-partial");
        final Run allowed = run("replay", "--db-url", url, "--journal-dir", journals.toString(), "--from-journal", runId, "--speed", "0", "--allow-partial");
        assertThat(allowed.exit()).as(allowed.err()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(allowed.out()).get("rows_written").asLong()).isEqualTo(rows);
        whole.withOutcome("completed", whole.ticks() + 1, whole.checksum(), null, null, null).write(runDir);
        final Run corrupt = run("journal", "verify", "--journal-dir", journals.toString(), runId);
        assertThat(corrupt.exit()).isEqualTo(1);
        assertThat(corrupt.out()).contains("CORRUPT");

        final Run bad = run("replay", "--db-url", url, "--provider", "clitest", "--symbols", "NVDA", "--start", "2025-11-03T15:00:00Z", "--end", "2025-11-03T14:00:00Z");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--end: end must be after start");
        assertThat(run("journal", "verify", "--journal-dir", journals.toString(), "424242").exit()).isEqualTo(2);
        final Run badSignal = run("replay", "--db-url", url, "--provider", "clitest", "--symbols", "NVDA", "--start", "2025-11-03T14:00:00Z",
            "--end", "2025-11-03T15:00:00Z", "--signals", "vwap_deviation_bps,nope");
        assertThat(badSignal.exit()).isEqualTo(2);
        assertThat(badSignal.err()).contains("--signals: unknown signal 'nope'");
    }

    @Test
    void liveStoresAFeedsTicksAndComputesItsSignalsThroughTheInProcessBus() throws Exception
    {
        final java.time.Instant before = java.time.Instant.now();
        final Run live = run("live", "--db-url", url, "--provider", "livecli", "--symbols", "LIVA,LIVB", "--rate", "200", "--seconds", "2",
            "--signals", "vwap_deviation_bps,spread_bps");
        final java.time.Instant after = java.time.Instant.now();
        assertThat(live.exit()).as(live.err()).isZero();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("published ([0-9,]+) ticks.*stored ([0-9,]+) ticks; wrote ([0-9,]+) signal rows")
            .matcher(live.out());
        assertThat(m.find()).as(live.out()).isTrue();
        final long published = Long.parseLong(m.group(1).replace(",", ""));
        assertThat(published).as("about 2 s x 200/s x 2 symbols").isBetween(200L, 2000L);
        assertThat(Long.parseLong(m.group(2).replace(",", ""))).isEqualTo(published);
        // every published tick is in tick_data, stamped with the wall clock while the command ran
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'livecli'")).isEqualTo(published);
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'livecli' AND (ts < '" + before + "' OR ts > '" + after + "')")).isZero();
        // signals were computed from them: one row per (symbol, ts, name), each at a stored tick, origin live
        final long signalRows = Long.parseLong(m.group(3).replace(",", ""));
        assertThat(signalRows).isPositive();
        assertThat(count("SELECT count(*) FROM signals WHERE provider = 'livecli' AND metadata->>'origin' = 'live'")).isEqualTo(signalRows);
        assertThat(count("SELECT count(DISTINCT (symbol, ts)) FROM tick_data WHERE provider = 'livecli'") * 2).isEqualTo(signalRows);
        assertThat(count("SELECT count(*) FROM signals s WHERE provider = 'livecli' AND NOT EXISTS (SELECT 1 FROM tick_data t " +
            "WHERE t.provider = s.provider AND t.symbol = s.symbol AND t.ts = s.ts)")).isZero();

        final Run bad = run("live", "--db-url", url, "--rate", "0");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--rate must be a finite number > 0");
    }

    @Test
    void liveFromTheStoreWritesTheLiveRowsAReplayOfTheSameSessionMatches() throws Exception
    {
        assertThat(run("generate", "--db-url", url, "--provider", "lvr", "--symbols", "LVA,LVB", "--rate", "0.3", "--seed", "5").exit()).isZero();
        final long ticks = count("SELECT count(*) FROM tick_data WHERE provider = 'lvr'");
        final Run live = run("live", "--db-url", url, "--from-store", "--provider", "lvr", "--symbols", "LVA,LVB", "--signals", "all",
            "--start", "2025-11-03T00:00:00Z", "--end", "2025-11-04T00:00:00Z"); // the replay's window below: the same minutes are whole
        assertThat(live.exit()).as(live.err()).isZero();
        assertThat(live.out()).contains("published " + String.format("%,d", ticks) + " stored ticks");
        assertThat(count("SELECT count(*) FROM tick_data WHERE provider = 'lvr'")).as("nothing stored again").isEqualTo(ticks);
        final long liveRows = count("SELECT count(*) FROM signals WHERE provider = 'lvr' AND run_id = 0");
        assertThat(liveRows).isPositive();
        assertThat(count("SELECT count(DISTINCT name) FROM signals WHERE provider = 'lvr' AND run_id = 0")).as("per-tick and bar signals").isGreaterThanOrEqualTo(6);

        final Run replay = run("replay", "--db-url", url, "--provider", "lvr", "--symbols", "LVA,LVB", "--start", "2025-11-03T00:00:00Z",
            "--end", "2025-11-04T00:00:00Z", "--speed", "0", "--signals", "all", "--no-journal");
        assertThat(replay.exit()).as(replay.err()).isZero();
        final long runId = count("SELECT max(run_id) FROM signals WHERE provider = 'lvr'");
        assertThat(runId).isPositive();
        // the live rows are intact beside the replay's, and the two are the same numbers row for row
        assertThat(count("SELECT count(*) FROM signals WHERE provider = 'lvr' AND run_id = 0")).isEqualTo(liveRows);
        assertThat(count("SELECT count(*) FROM signals WHERE provider = 'lvr' AND run_id = " + runId)).isEqualTo(liveRows);
        assertThat(count("SELECT count(*) FROM (SELECT * FROM signals WHERE provider = 'lvr' AND run_id = 0) l " +
            "FULL JOIN (SELECT * FROM signals WHERE provider = 'lvr' AND run_id = " + runId + ") r USING (symbol, name, ts) " +
            "WHERE l.value IS NULL OR r.value IS NULL OR abs(l.value - r.value) > 1e-9 * greatest(abs(l.value), abs(r.value), 1)")).isZero();

        final Run unknown = run("live", "--db-url", url, "--from-store", "--provider", "lvr", "--symbols", "LVA,NOPE");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("no ticks of NOPE for provider lvr");
        final Run stray = run("live", "--db-url", url, "--provider", "lvr", "--start", "2025-11-03T00:00:00Z");
        assertThat(stray.exit()).isEqualTo(2);
        assertThat(stray.err()).contains("--start and --end go with --from-store");
    }

    private static long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
