package io.tickreplay.adapters.postgres;

import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MigrationsIT
{
    @Test
    void applyToAnEmptyDatabaseThenNothingTheSecondTime() throws SQLException
    {
        try (Database db = PostgresTestSupport.freshSchema("migrate_empty"))
        {
            assertThat(db.migrationsApplied()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(tables(db)).contains("tick_data", "signals", "bars_ohlcv", "job_runs", "schema_migrations", "bus_offsets", "replay_checkpoints", "replay_telemetry", "job_schedules");
            assertThat(Migrations.apply(db.dataSource())).isEmpty();
            assertThat(query(db, "SELECT max(version) FROM schema_migrations")).isEqualTo(String.valueOf(Migrations.latestVersion()));
        }
    }

    @Test
    void adoptAnExistingSeedDatabaseKeepingItsRows() throws SQLException
    {
        final String schema = "migrate_existing_" + ProcessHandle.current().pid();
        try (Connection c = PostgresTestSupport.server().connection(); Statement s = c.createStatement())
        {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
            // the Python pipeline's signals table, with a row in it
            s.execute("CREATE TABLE " + schema + ".signals (provider TEXT NOT NULL, symbol TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, name TEXT NOT NULL, " +
                "value DOUBLE PRECISION NOT NULL, score DOUBLE PRECISION, metadata JSONB, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), " +
                "PRIMARY KEY (provider, symbol, ts, name))");
            s.execute("INSERT INTO " + schema + ".signals (provider, symbol, ts, name, value, metadata) VALUES " +
                "('ibkr', 'NVDA', '2025-11-03T14:30:01Z', 'spread_bps', 4.2, '{\"origin\": \"live\"}')");
        }
        try (Database db = PostgresTestSupport.server().inSchema(schema, 2))
        {
            assertThat(db.migrationsApplied()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(query(db, "SELECT value || ' ' || (metadata->>'origin') FROM signals")).isEqualTo("4.2 live");
            assertThat(tables(db)).contains("tick_data", "job_runs", "bars_ohlcv");
        }
    }

    @Test
    void refuseAMigrationChangedAfterItWasApplied() throws SQLException
    {
        try (Database db = PostgresTestSupport.freshSchema("migrate_changed"))
        {
            try (Connection c = db.connection(); Statement s = c.createStatement())
            {
                s.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
            }
            assertThatThrownBy(() -> Migrations.apply(db.dataSource())).hasMessageContaining("V1__baseline.sql was changed after it was applied");
        }
    }

    private static java.util.List<String> tables(final Database db) throws SQLException
    {
        final java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"))
        {
            while (rs.next())
            {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String query(final Database db, final String sql) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getString(1);
        }
    }
}
