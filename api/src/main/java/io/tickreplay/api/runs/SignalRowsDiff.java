package io.tickreplay.api.runs;

import io.tickreplay.adapters.postgres.SignalStore;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per signal name, how the stored rows of two runs differ: their partitions of {@code signal_rows} (docs/runs.md)
 * joined in full on (key_id, ts) for the name, values and explaining numbers compared within a relative
 * tolerance ({@code |a - b| <= tolerance * max(|a|, |b|)}; a row one run lacks, a NaN or an infinity
 * against anything else differs). The database does the work: per name one pass that counts (rows on
 * each side, differing, only in one) and finds the first differing time, then a look at that time alone
 * for the first differing row (by provider and symbol) with both values. Nothing but those numbers
 * comes back to the JVM. One connection, one snapshot (repeatable read), read only.
 */
final class SignalRowsDiff
{
    private static final String[] FIELDS = {"value", "m1", "m2", "m3"};

    private SignalRowsDiff()
    {
    }

    /** The comparison of runs {@code a} and {@code b}'s rows of each name in {@code names}, in that order. */
    static List<Map<String, Object>> compare(final Connection c, final long a, final long b, final Collection<String> names, final double tolerance)
        throws SQLException
    {
        final String pa = exists(c, SignalStore.partitionName(a)) ? SignalStore.partitionName(a) : "(SELECT * FROM signal_rows WHERE false)";
        final String pb = exists(c, SignalStore.partitionName(b)) ? SignalStore.partitionName(b) : "(SELECT * FROM signal_rows WHERE false)";
        final List<Map<String, Object>> out = new ArrayList<>();
        for (final String name : names)
        {
            out.add(compareName(c, pa, pb, name, tolerance));
        }
        return out;
    }

    /** Whether run {@code runId} has a partition of signal rows. */
    static boolean hasPartition(final Connection c, final long runId) throws SQLException
    {
        return exists(c, SignalStore.partitionName(runId));
    }

    /** The names of every signal that has rows in either run's partition, by id. */
    static List<String> namesWithRows(final Connection c, final long a, final long b) throws SQLException
    {
        final List<String> names = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, name FROM signal_names ORDER BY id"))
        {
            while (rs.next())
            {
                names.add(rs.getString(2));
            }
        }
        final List<String> out = new ArrayList<>();
        for (final String name : names)
        {
            for (final long run : new long[] {a, b})
            {
                if (hasPartition(c, run) && hasRows(c, SignalStore.partitionName(run), name))
                {
                    out.add(name);
                    break;
                }
            }
        }
        return out;
    }

    private static boolean hasRows(final Connection c, final String partition, final String name) throws SQLException
    {
        try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + partition + " WHERE name_id = (SELECT id FROM signal_names WHERE name = ?))"))
        {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    private static Map<String, Object> compareName(final Connection c, final String pa, final String pb, final String name, final double tolerance)
        throws SQLException
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        final String counts = "SELECT count(a_ts), count(b_ts), count(field), count(field) FILTER (WHERE b_ts IS NULL), " +
            "count(field) FILTER (WHERE a_ts IS NULL), min(ts) FILTER (WHERE field IS NOT NULL) FROM (" + joined(pa, pb, false) + ") j";
        OffsetDateTime firstTs = null;
        try (PreparedStatement s = c.prepareStatement(counts))
        {
            bind(s, name, tolerance, null);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                m.put("rows_a", rs.getLong(1));
                m.put("rows_b", rs.getLong(2));
                m.put("differing", rs.getLong(3));
                m.put("only_in_a", rs.getLong(4));
                m.put("only_in_b", rs.getLong(5));
                firstTs = rs.getObject(6, OffsetDateTime.class);
            }
        }
        m.put("first", firstTs == null ? null : firstRow(c, pa, pb, name, tolerance, firstTs));
        return m;
    }

    /** The first differing row at {@code ts} (the earliest with one), by provider and symbol, with both values. */
    private static Map<String, Object> firstRow(final Connection c, final String pa, final String pb, final String name, final double tolerance,
        final OffsetDateTime ts) throws SQLException
    {
        final String sql = "SELECT k.provider, k.symbol, j.ts, j.field, j.av, j.bv, j.a1, j.b1, j.a2, j.b2, j.a3, j.b3, n.keys FROM (" +
            joined(pa, pb, true) + ") j JOIN series_keys k ON k.id = j.key_id JOIN signal_names n ON n.name = ? " +
            "WHERE j.field IS NOT NULL ORDER BY k.provider, k.symbol LIMIT 1";
        try (PreparedStatement s = c.prepareStatement(sql))
        {
            final int next = bind(s, name, tolerance, ts);
            s.setString(next, name);
            try (ResultSet rs = s.executeQuery())
            {
                if (!rs.next())
                {
                    return null;
                }
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("provider", rs.getString(1));
                m.put("symbol", rs.getString(2));
                m.put("ts", rs.getObject(3, OffsetDateTime.class).toInstant().toString());
                final int field = rs.getInt(4);
                final boolean missingA = rs.getObject(5) == null;
                final boolean missingB = rs.getObject(6) == null;
                m.put("field", missingA ? "row only in b" : missingB ? "row only in a" : fieldName(field, rs.getArray(13)));
                final int column = 5 + 2 * Math.max(0, field);
                m.put("a", missingA ? null : rs.getObject(column));
                m.put("b", missingB ? null : rs.getObject(column + 1));
                return m;
            }
        }
    }

    private static String fieldName(final int field, final Array keys) throws SQLException
    {
        if (field <= 0)
        {
            return "value";
        }
        final String[] names = keys == null ? new String[0] : (String[])keys.getArray();
        return "metadata " + (field <= names.length ? names[field - 1] : FIELDS[field]);
    }

    /**
     * The full join of the two partitions' rows of one name on (key_id, ts), with the first field that
     * differs (0 value, 1..3 m1..m3; NULL when the rows agree): parameters name, name, then the tolerance
     * once per field, then the extra condition's.
     */
    private static String joined(final String pa, final String pb, final boolean atTs)
    {
        final String where = atTs ? " AND p.ts = ?" : "";
        final StringBuilder field = new StringBuilder("CASE");
        for (int i = 0; i < FIELDS.length; i++)
        {
            field.append(" WHEN ").append(differs("a." + FIELDS[i], "b." + FIELDS[i])).append(" THEN ").append(i);
        }
        field.append(" END");
        return "SELECT coalesce(a.key_id, b.key_id) AS key_id, coalesce(a.ts, b.ts) AS ts, a.ts AS a_ts, b.ts AS b_ts, " +
            "a.value AS av, b.value AS bv, a.m1 AS a1, b.m1 AS b1, a.m2 AS a2, b.m2 AS b2, a.m3 AS a3, b.m3 AS b3, " +
            "CASE WHEN a.ts IS NULL OR b.ts IS NULL THEN 0 ELSE " + field + " END AS field " +
            "FROM (SELECT * FROM " + pa + " p WHERE p.name_id = (SELECT id FROM signal_names WHERE name = ?)" + where + ") a " +
            "FULL JOIN (SELECT * FROM " + pb + " p WHERE p.name_id = (SELECT id FROM signal_names WHERE name = ?)" + where + ") b " +
            "ON a.key_id = b.key_id AND a.ts = b.ts";
    }

    /** Whether x and y differ beyond the tolerance: a NULL, NaN or infinity differs from anything but itself. */
    private static String differs(final String x, final String y)
    {
        return "(" + x + " IS DISTINCT FROM " + y + " AND NOT coalesce(abs(" + x + ") < 'Infinity'::float8 AND abs(" + y + ") < 'Infinity'::float8 " +
            "AND abs(" + x + " - " + y + ") <= ?::float8 * greatest(abs(" + x + "), abs(" + y + ")), false))";
    }

    /** Binds the joined query's parameters in the order they appear; returns the next parameter's index. */
    private static int bind(final PreparedStatement s, final String name, final double tolerance, final OffsetDateTime ts) throws SQLException
    {
        int i = 1;
        // the CASE's tolerances come first in the text, then the two sides' names (and times)
        for (int f = 0; f < FIELDS.length; f++)
        {
            s.setDouble(i++, tolerance);
        }
        s.setString(i++, name);
        if (ts != null)
        {
            s.setObject(i++, ts);
        }
        s.setString(i++, name);
        if (ts != null)
        {
            s.setObject(i++, ts);
        }
        return i;
    }

    private static boolean exists(final Connection c, final String table) throws SQLException
    {
        try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL"))
        {
            s.setString(1, table);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }
}
