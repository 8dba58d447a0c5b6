package io.tickreplay.benchmarks.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CI runs the side-by-side bench in its quick form: a correctness check, not a measurement. Every
 * suite first checks that its contenders stored or emitted the same rows and fails otherwise; no
 * speed is asserted (these machines are shared).
 */
class BenchQuickIT
{
    @TempDir
    Path dir;

    record Run(int exit, String out, String err)
    {
    }

    /** {@code tickreplay bench ARGS} as its own JVM runs it, here in the test's, with what it printed. */
    static synchronized Run run(final String... args)
    {
        final PrintStream out = System.out;
        final PrintStream err = System.err;
        final ByteArrayOutputStream o = new ByteArrayOutputStream();
        final ByteArrayOutputStream e = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            final int exit = BenchMain.execute(args);
            return new Run(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        }
        finally
        {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void theQuickBenchRunsEveryContenderAndTheyAgree() throws Exception
    {
        try (Database db = PostgresTestSupport.freshSchema("benchquick"))
        {
            final Path json = dir.resolve("quick.json");
            final Run run = run("--quick", "--db-url", db.url(), "--work-dir", dir.resolve("work").toString(), "--json", json.toString());
            assertThat(run.exit()).as(run.out() + run.err()).isZero();
            assertThat(run.out())
                .contains("same rows stored by both")
                .contains("the replay, PostgreSQL and the naive JDBC replayer wrote the same")
                .contains("every contender moved the same")
                .contains("every replay emitted the same stream");
            final JsonNode report = new ObjectMapper().readTree(json.toFile());
            assertThat(report.get("machine").get("cores").asInt()).isPositive();
            assertThat(report.get("signals").get("rows_identical").asBoolean()).isTrue();
            // the Parquet file of the same rows was imported too (its rows checked against COPY's, or the bench fails)
            assertThat(report.get("import").get("time_ordered").get("best_tickreplay_import_parquet_rows_per_s").asLong()).isPositive();
            assertThat(report.get("replay").get("streams_identical").asBoolean()).isTrue();
            assertThat(report.get("export").get("rows_identical_counts").asBoolean()).isTrue();
            // the bench fails unless one source and three merged sources emitted the same stream
            assertThat(report.get("multisource").get("signals").get("checksum").asText()).hasSize(16);
        }
    }
}
