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

    @Test
    void theServerAsksEveryConnectionForThePasswordKeptBesideItsData() throws Exception
    {
        final Path data = dir.resolve("pg");
        final int port;
        try (Database db = Database.open(null, data, 2))
        {
            port = java.net.URI.create(db.url().substring("jdbc:".length())).getPort();
            final Path file = EmbeddedPostgresServer.passwordFile(data.toAbsolutePath());
            assertThat(file).isRegularFile();
            assertThat(java.nio.file.Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(
                java.nio.file.attribute.PosixFilePermission.OWNER_READ, java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
            final String password = java.nio.file.Files.readString(file).strip();
            assertThat(password).hasSizeGreaterThanOrEqualTo(32);
            assertThat(db.describe()).doesNotContain(password);
            assertThat(java.nio.file.Files.readString(data.resolve("pg_hba.conf"))).doesNotContainPattern("(?m)^[^#].*\\strust\\s*$");

            final String bare = "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(bare).close())
                .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("password");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> java.sql.DriverManager.getConnection(bare + "&password=guess").close())
                .isInstanceOf(java.sql.SQLException.class).hasMessageContaining("password authentication failed");
            try (Connection c = java.sql.DriverManager.getConnection(bare + "&password=" + password))
            {
                assertThat(c.isValid(5)).isTrue();
            }
            // a second process attaches with the same password
            try (Database second = Database.open(null, data, 1))
            {
                assertThat(count(second)).isZero();
            }
        }
        // started again: the same password, still asked for
        try (Database again = Database.open(null, data, 1))
        {
            assertThat(count(again)).isZero();
        }
        // the password file gone: a clear way back, not a hang or a bare authentication error
        java.nio.file.Files.delete(EmbeddedPostgresServer.passwordFile(data.toAbsolutePath()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Database.open(null, data, 1))
            .hasMessageContaining("asks for a password").hasMessageContaining(".password");
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
