package io.tickreplay.adapters.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.sql.DataSource;

/**
 * Versioned schema migrations, applied in order at start, each in its own transaction, under a
 * PostgreSQL advisory lock so that two processes starting together apply each one once.
 *
 * <p>Applied versions are recorded in {@code schema_migrations} with a checksum of their script; a
 * script changed after it was applied is refused rather than silently diverging. A new migration
 * is a file {@code db/migration/V<n>__<what>.sql} plus its entry in {@link #SCRIPTS}.
 */
public final class Migrations
{
    static final List<String> SCRIPTS = List.of(
        "V1__baseline.sql",
        "V2__bus_offsets.sql",
        "V3__replay_checkpoints.sql",
        "V4__replay_telemetry.sql",
        "V5__job_schedules.sql",
        "V6__signals_by_name.sql",
        "V7__runs_side_by_side.sql",
        "V8__models.sql");

    private static final long LOCK_KEY = 0x7469636b72706c79L; // "tickrply"

    private Migrations()
    {
    }

    /** Applies what is missing; returns the versions applied by this call. */
    public static List<Integer> apply(final DataSource dataSource) throws SQLException
    {
        final List<Integer> applied = new ArrayList<>();
        try (Connection connection = dataSource.getConnection())
        {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement())
            {
                statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                statement.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (" +
                    " version INTEGER PRIMARY KEY," +
                    " description TEXT NOT NULL," +
                    " checksum TEXT NOT NULL," +
                    " applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW())");
                for (final String script : SCRIPTS)
                {
                    final int version = Integer.parseInt(script.substring(1, script.indexOf("__")));
                    final String description = script.substring(script.indexOf("__") + 2, script.length() - 4).replace('_', ' ');
                    final String sql = read(script);
                    final String checksum = sha256(sql);
                    final String recorded = recordedChecksum(connection, version);
                    if (recorded != null)
                    {
                        if (!recorded.equals(checksum))
                        {
                            throw new SQLException("migration " + script + " was changed after it was applied to this database " +
                                "(recorded checksum " + recorded + ", file " + checksum + "): restore the file and add a new migration instead");
                        }
                        continue;
                    }
                    statement.execute(sql);
                    try (PreparedStatement insert = connection.prepareStatement(
                        "INSERT INTO schema_migrations (version, description, checksum) VALUES (?, ?, ?)"))
                    {
                        insert.setInt(1, version);
                        insert.setString(2, description);
                        insert.setString(3, checksum);
                        insert.executeUpdate();
                    }
                    applied.add(version);
                }
                connection.commit();
            }
            catch (final SQLException | RuntimeException e)
            {
                connection.rollback();
                throw e;
            }
        }
        return applied;
    }

    public static int latestVersion()
    {
        final String last = SCRIPTS.get(SCRIPTS.size() - 1);
        return Integer.parseInt(last.substring(1, last.indexOf("__")));
    }

    private static String recordedChecksum(final Connection connection, final int version) throws SQLException
    {
        try (PreparedStatement select = connection.prepareStatement("SELECT checksum FROM schema_migrations WHERE version = ?"))
        {
            select.setInt(1, version);
            try (ResultSet rs = select.executeQuery())
            {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String read(final String script)
    {
        try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + script))
        {
            if (in == null)
            {
                throw new IllegalStateException("migration script missing from the classpath: db/migration/" + script);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(final String text)
    {
        try
        {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
