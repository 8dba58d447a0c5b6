package io.tickreplay.api.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.api.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An export of 5M rows by the command line in a JVM of its own with -Xmx256m: it must stream. */
class ExportMemoryIT
{
    @TempDir
    Path dir;

    @Test
    void fiveMillionRowsExportToParquetUnderA256MegabyteHeap() throws Exception
    {
        final long ticks;
        final String url;
        try (Database db = PostgresTestSupport.freshSchema("exportmem"))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("mem").symbols(List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA"))
                .ticksPerSecond(33).seed(21);
            ticks = new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            url = db.url();
        }
        assertThat(ticks).isGreaterThan(5_000_000);
        final Path output = dir.resolve("ticks.parquet");
        final List<String> command = ChildJvm.command("256m", "export", "ticks",
            "--db-url", url, "--provider", "mem", "--symbols", "NVDA,AAPL,MSFT,AMZN,TSLA",
            "--start", "2025-11-03T00:00:00Z", "--end", "2025-11-04T00:00:00Z", "--output", output.toString());
        final Process process = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        if (!process.waitFor(150, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("the export did not end within 150 s: " + Files.readString(dir.resolve("stderr.txt")));
        }
        final String stderr = Files.readString(dir.resolve("stderr.txt"));
        assertThat(process.exitValue()).as(stderr).isZero();
        assertThat(stderr).doesNotContain("OutOfMemoryError");
        final JsonNode job = new ObjectMapper().readTree(Files.readString(dir.resolve("stdout.txt"), StandardCharsets.UTF_8));
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertThat(job.get("rows_written").asLong()).isEqualTo(ticks);
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery(
            "SELECT count(*), count(DISTINCT symbol) FROM read_parquet('" + output + "')"))
        {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(ticks);
            assertThat(rs.getLong(2)).isEqualTo(5);
        }
    }
}
