package io.tickreplay.api.bench;

import io.tickreplay.adapters.postgres.Database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** The two statements every bench suite runs between its contenders: one to set the stage, one to count. */
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
}
