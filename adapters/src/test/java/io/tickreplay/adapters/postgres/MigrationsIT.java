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
            assertThat(db.migrationsApplied()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
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
            assertThat(db.migrationsApplied()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
            assertThat(query(db, "SELECT value || ' ' || (metadata->>'origin') FROM signals")).isEqualTo("4.2 live");
            assertThat(query(db, "SELECT count(*) FROM signal_rows_live")).isEqualTo("1");
            assertThat(query(db, "SELECT to_regclass('signals_v1') IS NULL")).isEqualTo("t");
            assertThat(tables(db)).contains("tick_data", "job_runs", "bars_ohlcv");
        }
    }

    /**
     * An old store's signals (live rows and two runs' rows, with their explaining numbers) move into their
     * runs' partitions; a move cut off after its first chunk leaves every row in one table or the other, and
     * the next open finishes it: the seed's queries answer exactly as before.
     */
    @Test
    void anOldStoresSignalsMoveIntoTheirRunsResumably() throws SQLException
    {
        final String schema = "migrate_rows_" + ProcessHandle.current().pid();
        final String before = "SELECT count(*) || ' ' || sum(value::numeric) || ' ' || count(DISTINCT metadata->>'replay_run_id') || ' ' || " +
            "sum((metadata->>'vwap')::numeric) || ' ' || count(*) FILTER (WHERE metadata->>'origin' = 'live') FROM signals";
        final String expected;
        try (Connection c = PostgresTestSupport.server().connection(); Statement s = c.createStatement())
        {
            s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            s.execute("CREATE SCHEMA " + schema);
            s.execute("CREATE TABLE " + schema + ".signals (provider TEXT NOT NULL, symbol TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, name TEXT NOT NULL, " +
                "value DOUBLE PRECISION NOT NULL, score DOUBLE PRECISION, metadata JSONB, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), " +
                "PRIMARY KEY (provider, symbol, ts, name))");
            // 30,000 rows of vwap_deviation_bps: live, replay 1 and replay 3 in turn, over three symbols
            s.execute("INSERT INTO " + schema + ".signals (provider, symbol, ts, name, value, metadata) SELECT 'ibkr', (ARRAY['NVDA','AAPL','MSFT'])[i % 3 + 1], " +
                "timestamptz '2025-11-03 14:30:00+00' + i * interval '1 second', 'vwap_deviation_bps', sin(i), CASE i % 3 " +
                "WHEN 0 THEN jsonb_build_object('origin', 'live', 'vwap', 100 + i) " +
                "WHEN 1 THEN jsonb_build_object('origin', 'replay', 'replay_run_id', 1, 'vwap', 100 + i, 'day_volume', i) " +
                "ELSE jsonb_build_object('origin', 'replay', 'replay_run_id', 3, 'vwap', 100 + i) END FROM generate_series(0, 29999) i");
            try (ResultSet rs = s.executeQuery(before.replace("FROM signals", "FROM " + schema + ".signals")))
            {
                rs.next();
                expected = rs.getString(1);
            }
        }
        try (Database db = PostgresTestSupport.server().inSchema(schema, 2))
        {
            // Database.open moved them all already; put them back into an old table to cut a move off
            assertThat(query(db, before)).isEqualTo(expected);
            try (Connection c = db.connection(); Statement s = c.createStatement())
            {
                s.execute("CREATE TABLE signals_v1 AS SELECT provider, symbol, ts, name, value, score, metadata FROM signals");
                s.execute("TRUNCATE signal_rows");
            }
            final SignalRowsMigration.Moved first = SignalRowsMigration.run(db.dataSource(), 16, 1);
            assertThat(first.rows()).isPositive().isLessThan(30_000);
            assertThat(Long.parseLong(query(db, "SELECT count(*) FROM signal_rows")) + Long.parseLong(query(db, "SELECT count(*) FROM signals_v1")))
                .isEqualTo(30_000);
            final SignalRowsMigration.Moved rest = SignalRowsMigration.run(db.dataSource(), 16, Integer.MAX_VALUE);
            assertThat(first.rows() + rest.rows()).isEqualTo(30_000);
            assertThat(query(db, "SELECT to_regclass('signals_v1') IS NULL")).isEqualTo("t");
            assertThat(query(db, before)).isEqualTo(expected);
            assertThat(query(db, "SELECT count(*) FROM signal_rows_r1") + " " + query(db, "SELECT count(*) FROM signal_rows_r3") + " " +
                query(db, "SELECT count(*) FROM signal_rows_live")).isEqualTo("10000 10000 10000");
            assertThat(query(db, "SELECT count(*) FROM signals WHERE metadata->>'replay_run_id' = '1' AND (metadata->>'day_volume') IS NOT NULL"))
                .isEqualTo("10000");
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
