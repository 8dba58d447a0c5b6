package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Commands that say what happened: an unknown or wrongly-cased name refused before any job with the
 * close names, a window with no ticks said to be one, progress on stderr when stderr is a file, a
 * start time without seconds, a max gap that makes a week of nights and weekends pass at once, and
 * {@code db status} naming the schema's migrations.
 */
class CommandsSayWhatHappenedIT
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Database db;
    private static String url;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("say");
        url = db.url();
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(0.2)
            .startDate(java.time.LocalDate.parse("2025-11-03")).days(5).seed(17);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static long jobs() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM job_runs"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aWronglyCasedSymbolOrProviderIsRefusedBeforeAnyJobNamingTheCloseOnes() throws Exception
    {
        final long before = jobs();
        final CliIT.Run symbol = CliIT.run("replay", "--db-url", url, "--provider", "ibkr", "--symbols", "nvda,AAPL", "--start", "2025-11-03T14:30:00Z",
            "--end", "2025-11-03T15:00:00Z", "--speed", "0", "--signals", "none", "--no-journal");
        assertThat(symbol.exit()).as(symbol.err()).isEqualTo(2);
        assertThat(symbol.err()).contains("--symbols").contains("nvda").contains("did you mean NVDA?");
        final CliIT.Run provider = CliIT.run("replay", "--db-url", url, "--provider", "IBKR", "--symbols", "NVDA", "--start", "2025-11-03T14:30:00Z",
            "--end", "2025-11-03T15:00:00Z", "--speed", "0", "--signals", "none", "--no-journal");
        assertThat(provider.exit()).as(provider.err()).isEqualTo(2);
        assertThat(provider.err()).contains("--provider").contains("IBKR is not in the store").contains("did you mean ibkr?");
        assertThat(jobs()).as("no job row for a refused replay").isEqualTo(before);
    }

    @Test
    void aKnownSymbolsEmptyWindowCompletesWithNoTicksAndSaysSo() throws Exception
    {
        final CliIT.Run saturday = CliIT.run("replay", "--db-url", url, "--provider", "ibkr", "--symbols", "NVDA", "--start", "2025-11-01 00:00",
            "--end", "2025-11-02 00:00", "--speed", "0", "--signals", "none", "--no-journal");
        assertThat(saturday.exit()).as(saturday.err()).isZero();
        assertThat(JSON.readTree(saturday.out()).get("status").asText()).isEqualTo("completed");
        assertThat(saturday.err()).contains("no ticks in the window").contains("the store holds ibkr NVDA from 2025-11-03");
    }

    @Test
    void progressGoesToStderrAsPlainLinesWhenItIsAFileAndQuietSilencesIt() throws Exception
    {
        final Path err = dir.resolve("progress.err");
        // a paced minute of a slow window: more than one 10 s line
        final Process replay = new ProcessBuilder(ChildJvm.command("256m", "replay", "--db-url", url, "--provider", "ibkr", "--symbols", "NVDA,AAPL",
            "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T21:00:00Z", "--speed", "1000", "--signals", "none", "--no-journal"))
            .redirectOutput(dir.resolve("progress.out").toFile()).redirectError(err.toFile()).start();
        assertThat(replay.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(replay.exitValue()).as(Files.readString(err)).isZero();
        assertThat(Files.readString(err)).containsPattern("replay [0-9]+: [0-9]+% after 1[0-9] s, [0-9,]+ ticks");
        final Path quietErr = dir.resolve("quiet.err");
        final Process quiet = new ProcessBuilder(ChildJvm.command("256m", "replay", "--quiet", "--db-url", url, "--provider", "ibkr", "--symbols", "NVDA",
            "--start", "2025-11-03T14:30:00Z", "--end", "2025-11-03T18:00:00Z", "--speed", "1000", "--signals", "none", "--no-journal"))
            .redirectOutput(dir.resolve("quiet.out").toFile()).redirectError(quietErr.toFile()).start();
        assertThat(quiet.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(Files.readString(quietErr)).doesNotContain("% after");
    }

    @Test
    void aMaxGapMakesAWeekOfNightsAndWeekendsPassAtOnceAndSaysHowMuch() throws Exception
    {
        // five trading days at 100,000x: without a max gap the nights and the weekend alone would take about six seconds;
        // the test asserts the compression the run records, not a time
        final CliIT.Run week = CliIT.run("replay", "--db-url", url, "--provider", "ibkr", "--symbols", "NVDA", "--start", "2025-11-03 00:00",
            "--end", "2025-11-10 00:00", "--speed", "100000", "--max-gap", "1m", "--signals", "none", "--no-journal");
        assertThat(week.exit()).as(week.err()).isZero();
        final JsonNode job = JSON.readTree(week.out());
        assertThat(job.get("metadata").get("max_gap").asText()).isEqualTo("1m");
        // four nights of 17.5 hours between the five sessions, each paced as one minute
        assertThat(job.get("metadata").get("max_gap_compressed_seconds").asDouble()).isGreaterThanOrEqualTo(4 * (17.5 * 3600 - 60))
            .isLessThan(5 * 86_400);
        final CliIT.Run bad = CliIT.run("replay", "--db-url", url, "--provider", "ibkr", "--symbols", "NVDA", "--start", "2025-11-03 00:00",
            "--end", "2025-11-04 00:00", "--max-gap", "soon");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).contains("--max-gap").contains("100ms, 5s or 1m");
    }

    @Test
    void dbStatusNamesTheSchemasMigrations()
    {
        final CliIT.Run status = CliIT.run("db", "status", "--db-url", url);
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).containsPattern("schema version [0-9]+ \\(migrations V1, V2, .*V8.* applied\\)");
    }
}
