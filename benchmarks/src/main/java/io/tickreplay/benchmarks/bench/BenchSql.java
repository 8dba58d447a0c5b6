package io.tickreplay.benchmarks.bench;

import io.tickreplay.adapters.postgres.Database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** The statements every bench suite runs between its contenders: to set the stage, to count, to start again from an empty table. */
final class BenchSql
{
    private BenchSql()
    {
    }

    static void execute(final Database db, final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
    }

    static long count(final Database db, final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Empties tick_data and checkpoints, so that the next contender does not pay for the last one's writes. */
    static void truncate(final Database db) throws Exception
    {
        execute(db, "TRUNCATE tick_data");
        execute(db, "CHECKPOINT");
    }
}
