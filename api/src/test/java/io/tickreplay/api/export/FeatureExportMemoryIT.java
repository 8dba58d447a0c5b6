package io.tickreplay.api.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A feature set over 2M ticks with every signal, by the command line in a JVM of its own with
 * -Xmx128m: the ticks must stream through the calculators, never be held.
 */
class FeatureExportMemoryIT
{
    @TempDir
    Path dir;

    @Test
    void twoMillionTicksBecomeAFeatureSetUnderA128MegabyteHeap() throws Exception
    {
        final long ticks;
        final String url;
        final List<String> symbols = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
        try (Database db = PostgresTestSupport.freshSchema("featuremem"))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("mem").symbols(symbols).ticksPerSecond(18).seed(5);
            ticks = new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            url = db.url();
        }
        assertThat(ticks).isGreaterThan(2_000_000);
        final Path output = dir.resolve("features.parquet");
        final List<String> command = ChildJvm.command("128m", "export", "features",
            "--db-url", url, "--provider", "mem", "--symbols", String.join(",", symbols),
            "--start", "2025-11-03T00:00:00Z", "--end", "2025-11-04T00:00:00Z", "--signals", "all", "--horizons", "1,5,15,60", "--output", output.toString());
        final Process process = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        if (!process.waitFor(300, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("the export did not end within 300 s: " + Files.readString(dir.resolve("stderr.txt")));
        }
        final String stderr = Files.readString(dir.resolve("stderr.txt"));
        assertThat(process.exitValue()).as(stderr).isZero();
        assertThat(stderr).doesNotContain("OutOfMemoryError");
        final JsonNode job = new ObjectMapper().readTree(Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8));
        assertThat(job.get("status").asText()).isEqualTo("completed");
        // 09:30-16:00 New York is 390 one-minute bars, every one with ticks at this rate
        assertThat(job.get("rows_written").asLong()).isEqualTo(5 * 390);
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery(
            "SELECT count(*), sum(trade_count), count(rsi_14), count(fwd_log_return_60) FROM read_parquet('" + output + "')"))
        {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(5 * 390);
            assertThat(rs.getLong(2)).as("every tick is in one bar").isEqualTo(ticks);
            assertThat(rs.getLong(3)).as("RSI from the 15th bar of each symbol").isEqualTo(5 * (390 - 14));
            assertThat(rs.getLong(4)).isEqualTo(5 * (390 - 60));
        }
    }
}
