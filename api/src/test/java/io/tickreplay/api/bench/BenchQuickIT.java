package io.tickreplay.api.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.api.cli.CliIT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void theQuickBenchRunsEveryContenderAndTheyAgree() throws Exception
    {
        try (Database db = PostgresTestSupport.freshSchema("benchquick"))
        {
            final Path json = dir.resolve("quick.json");
            final CliIT.Run run = CliIT.run("bench", "--quick", "--db-url", db.url(), "--work-dir", dir.resolve("work").toString(), "--json", json.toString());
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
