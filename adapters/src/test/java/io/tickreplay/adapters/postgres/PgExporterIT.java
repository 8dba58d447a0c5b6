package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The exporter failing on its own side, half way through a COPY: it must neither hang nor leave a file, and the pool must stay usable. */
class PgExporterIT
{
    private static Database db;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("exporter");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(3).seed(2);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    @ParameterizedTest
    @EnumSource(FileFormat.class)
    void aFailureOfTheWriterHalfWayThroughACopyEndsTheExportCleanly(final FileFormat format) throws Exception
    {
        final Path output = dir.resolve("out." + format.label());
        final PgExporter.Query query = new PgExporter.Query(PgExporter.Dataset.TICKS, "ibkr", List.of("AAPL", "NVDA"),
            Instant.parse("2025-11-03T00:00:00Z"), Instant.parse("2025-11-04T00:00:00Z"), "1m", null);
        // the progress callback stands for the file's side failing (a full disk) while rows are still coming
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThatThrownBy(() -> new PgExporter(db.dataSource()).export(query, output, format, rows ->
        {
            if (rows > 0)
            {
                throw new IllegalStateException("No space left on device");
            }
        })).hasMessageContaining("No space left on device"));
        try (var files = Files.list(dir))
        {
            assertThat(files).as("neither the file nor a temporary one").isEmpty();
        }
        // every pooled connection still answers (a cancel request must not hit a later query)
        for (int i = 0; i < 8; i++)
        {
            try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM tick_data"))
            {
                rs.next();
                assertThat(rs.getLong(1)).isGreaterThan(65_536);
            }
        }
    }
}
