package io.tickreplay.benchmarks.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.api.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tickreplay bench} as a user runs it: the api's thin command starts {@link BenchMain} from
 * {@code benchmarks/target/benchmarks.jar} in a JVM of its own, with the same arguments, and gives
 * back its exit code. The latency suite is the quickest that reaches the database (for the machine).
 */
class BenchCommandIT
{
    @TempDir
    Path dir;

    @Test
    void theBenchCommandRunsTheBenchInAJvmOfItsOwnWithTheSameArguments() throws Exception
    {
        try (Database db = PostgresTestSupport.freshSchema("benchcommand"))
        {
            final Path json = dir.resolve("latency.json");
            final int exit = Main.execute("bench", "--quick", "--suite", "latency", "--db-url", db.url(), "--work-dir", dir.resolve("work").toString(),
                "--json", json.toString());
            assertThat(exit).isZero();
            final JsonNode report = new ObjectMapper().readTree(json.toFile());
            assertThat(report.get("machine").get("cores").asInt()).isPositive();
            assertThat(report.get("latency").get("ticks").asLong()).isEqualTo(200_000);
            assertThat(report.has("replay")).as("--suite reached the bench").isFalse();
        }
    }

    @Test
    void theBenchsFailureIsTheCommandsExitCode()
    {
        assertThat(Main.execute("bench", "--quick", "--suite", "latency", "--db-url", "jdbc:postgresql://127.0.0.1:1/none",
            "--work-dir", dir.resolve("work").toString())).isEqualTo(1);
    }

    @Test
    void badFlagsStopBeforeAnyJvmStarts()
    {
        assertThat(Main.execute("bench", "--suite", "nope")).isEqualTo(2);
        assertThat(Main.execute("bench", "--offered", "0")).isEqualTo(2);
    }
}
