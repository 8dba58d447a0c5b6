package io.tickreplay.adapters.postgres;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

class EmbeddedPostgresServerIT
{
    @TempDir
    Path dir;

    @Test
    void aSecondProcessAttachesToTheRunningServerAndDataOutlivesIt() throws Exception
    {
        final Path data = dir.resolve("pg");
        try (Database first = Database.open(null, data, 2))
        {
            try (Connection c = first.connection(); Statement s = c.createStatement())
            {
                s.execute("INSERT INTO job_runs (job_name, status) VALUES ('tick_import', 'completed')");
            }
            try (Database second = Database.open(null, data, 2))
            {
                assertThat(second.describe()).contains("attached to a running server");
                assertThat(count(second)).isEqualTo(1);
            }
            // the attached one closing does not stop the owner's server
            assertThat(count(first)).isEqualTo(1);
        }
        try (Database again = Database.open(null, data, 2))
        {
            assertThat(again.describe()).doesNotContain("attached");
            assertThat(again.migrationsApplied()).isEmpty();
            assertThat(count(again)).isEqualTo(1);
        }
    }

    private static long count(final Database db) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM job_runs"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
