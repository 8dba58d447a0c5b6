package io.tickreplay.api.replay;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A replay whose window holds more data than the heap: run in a separate JVM with -Xmx64m, it must
 * stream (the window is ~1.2M ticks, over 100 MB as rows in PostgreSQL and several times that as
 * objects).
 */
class ReplayMemoryIT
{
    @TempDir
    Path dir;

    @Test
    void aWindowLargerThanTheHeapReplaysInBoundedMemory() throws Exception
    {
        final long ticks;
        final String url;
        try (Database db = PostgresTestSupport.freshSchema("memory"))
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL", "MSFT", "AMZN"))
                .ticksPerSecond(10).seed(9);
            ticks = new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
            url = db.url();
        }
        assertThat(ticks).isGreaterThan(1_000_000);

        final List<String> command = ChildJvm.command("64m", "replay",
            "--db-url", url,
            "--journal-dir", dir.resolve("journal").toString(),
            "--provider", "ibkr", "--symbols", "NVDA,AAPL,MSFT,AMZN",
            "--start", "2025-11-03T00:00:00Z", "--end", "2025-11-04T00:00:00Z", "--speed", "0");
        final Process process = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile())
            .redirectOutput(dir.resolve("stdout.txt").toFile()).start();
        if (!process.waitFor(150, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new AssertionError("the replay did not end within 150 s: " + java.nio.file.Files.readString(dir.resolve("stderr.txt")));
        }
        final byte[] out = java.nio.file.Files.readAllBytes(dir.resolve("stdout.txt"));
        final String stderr = java.nio.file.Files.readString(dir.resolve("stderr.txt"));
        assertThat(process.exitValue()).as(stderr).isZero();
        assertThat(stderr).doesNotContain("OutOfMemoryError");
        final JsonNode job = new ObjectMapper().readTree(new String(out, StandardCharsets.UTF_8));
        assertThat(job.get("status").asText()).isEqualTo("completed");
        assertThat(job.get("rows_written").asLong()).isEqualTo(ticks);
    }
}
