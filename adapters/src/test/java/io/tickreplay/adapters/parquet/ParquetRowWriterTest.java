package io.tickreplay.adapters.parquet;

import io.tickreplay.adapters.parquet.ParquetRowWriter.Column;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Type;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Files written here are read back by DuckDB, an independent Parquet reader. */
class ParquetRowWriterTest
{
    private static final List<Column> COLUMNS = List.of(
        Column.required("symbol", Type.STRING),
        Column.required("ts", Type.TIMESTAMP),
        Column.required("price", Type.DOUBLE),
        Column.required("size", Type.LONG),
        Column.required("seq", Type.INT),
        Column.optional("note", Type.STRING),
        Column.optional("score", Type.DOUBLE));

    @TempDir
    Path dir;

    @Test
    void writesTypedColumnsThatAnIndependentReaderSeesAsTheyWereMeant() throws Exception
    {
        final Path file = dir.resolve("out").resolve("ticks.parquet");
        final Instant t0 = Instant.parse("2025-11-03T14:30:00.123456Z");
        final long t0Micros = t0.getEpochSecond() * 1_000_000 + t0.getNano() / 1000;
        final int n = 50_000;
        double priceSum = 0;
        long sizeSum = 0;
        try (ParquetRowWriter out = new ParquetRowWriter(file, COLUMNS, Map.of("origin", "test"), 1 << 20))
        {
            final var nvda = ParquetRowWriter.text("NVDA");
            final var aapl = ParquetRowWriter.text("AAPL");
            for (int i = 0; i < n; i++)
            {
                final double price = 100 + i * 0.01;
                out.set(0, i % 2 == 0 ? nvda : aapl).set(1, t0Micros + i * 1000L).set(2, price).set(3, (long)i * 3).set(4, i % 7);
                if (i % 10 == 0)
                {
                    out.set(5, "ünïcode \"quoted\", row " + i);
                }
                if (i % 3 == 0)
                {
                    out.set(6, i * 0.5);
                }
                out.endRow();
                priceSum += price;
                sizeSum += i * 3L;
            }
            assertThat(Files.exists(file)).as("not before the commit").isFalse();
            out.commit();
            assertThat(out.rows()).isEqualTo(n);
        }
        assertThat(file).exists();
        try (var files = Files.list(file.getParent()))
        {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ticks.parquet");
        }

        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement st = duck.createStatement())
        {
            st.execute("SET TimeZone = 'UTC'");
            final String src = "read_parquet('" + file + "')";
            final List<String> types = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + src + ")"))
            {
                while (rs.next())
                {
                    types.add(rs.getString(1) + " " + rs.getString(2));
                }
            }
            assertThat(types).containsExactly("symbol VARCHAR", "ts TIMESTAMP WITH TIME ZONE", "price DOUBLE", "size BIGINT", "seq INTEGER",
                "note VARCHAR", "score DOUBLE");
            try (ResultSet rs = st.executeQuery("SELECT count(*), sum(price), sum(size), count(note), count(score), min(ts), max(ts), " +
                "count(*) FILTER (WHERE symbol = 'NVDA') FROM " + src))
            {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(n);
                assertThat(rs.getDouble(2)).isCloseTo(priceSum, org.assertj.core.data.Offset.offset(1e-6));
                assertThat(rs.getLong(3)).isEqualTo(sizeSum);
                assertThat(rs.getLong(4)).isEqualTo(n / 10);
                assertThat(rs.getLong(5)).isEqualTo((n + 2) / 3);
                assertThat(rs.getObject(6, OffsetDateTime.class).toInstant()).isEqualTo(t0);
                assertThat(rs.getObject(7, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC).toInstant())
                    .isEqualTo(t0.plusMillis(n - 1));
                assertThat(rs.getLong(8)).isEqualTo(n / 2);
            }
            try (ResultSet rs = st.executeQuery("SELECT note FROM " + src + " WHERE note IS NOT NULL LIMIT 1"))
            {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("ünïcode \"quoted\", row 0");
            }
            try (ResultSet rs = st.executeQuery("SELECT compression FROM parquet_metadata('" + file + "') LIMIT 1"))
            {
                rs.next();
                assertThat(rs.getString(1)).isEqualToIgnoringCase("ZSTD");
            }
        }
    }

    @Test
    void aFileThatIsNotCommittedLeavesNothingBehind() throws Exception
    {
        final Path file = dir.resolve("abandoned.parquet");
        try (ParquetRowWriter out = new ParquetRowWriter(file, COLUMNS, Map.of()))
        {
            out.set(0, "NVDA").set(1, 1L).set(2, 1.0).set(3, 1L).set(4, 1).endRow();
            // a required column left out is an error naming the column, not a corrupt file
            out.set(0, "NVDA").set(2, 1.0).set(3, 1L).set(4, 1);
            assertThatThrownBy(out::endRow).hasMessageContaining("column ts is required");
        }
        assertThat(file).doesNotExist();
        try (var files = Files.list(dir))
        {
            assertThat(files).isEmpty();
        }
    }
}
