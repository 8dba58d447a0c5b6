package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.signals.SignalCalculator;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Where signal rows live (docs/runs.md): {@code signal_rows}, one partition per run (run 0 is live),
 * rows of ids: the (provider, symbol) key from {@code series_keys}, the name from {@code signal_names}.
 * This resolves names to ids (made on first use), makes a run's partition, tells whether a run has
 * rows, and drops a run's. Stateless but for the data source; thread-safe.
 */
public final class SignalStore
{
    /** The columns a writer COPYs, in the order {@link SignalRowEncoder} writes them. */
    public static final String COLUMNS = "ts, value, run_id, key_id, name_id, m1, m2, m3";

    private final DataSource dataSource;

    public SignalStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** The partition that holds run {@code runId}'s rows ({@code signal_rows_live} for run 0), made if missing. */
    public static String partition(final Connection c, final long runId) throws SQLException
    {
        try (PreparedStatement s = c.prepareStatement("SELECT signal_rows_partition(?)"))
        {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /** As {@link #partition(Connection, long)}, on a connection of its own, committed. */
    public String partition(final long runId) throws SQLException
    {
        try (Connection c = dataSource.getConnection())
        {
            final boolean auto = c.getAutoCommit();
            c.setAutoCommit(true);
            try
            {
                return partition(c, runId);
            }
            finally
            {
                c.setAutoCommit(auto);
            }
        }
    }

    /**
     * The merge of staged rows ({@code source}: a table, and a condition if it holds other runs' rows too)
     * into a run's partition: a key written again takes the new value. Rows go in key order, so that
     * two writers merging the same keys wait for each other instead of deadlocking.
     */
    public static String mergeInto(final String partition, final String source)
    {
        return "INSERT INTO " + partition + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM " + source + " ORDER BY key_id, name_id, ts " +
            "ON CONFLICT (key_id, name_id, ts) DO UPDATE SET value = EXCLUDED.value, m1 = EXCLUDED.m1, m2 = EXCLUDED.m2, m3 = EXCLUDED.m3";
    }

    /** The name of run {@code runId}'s partition, whether it exists or not. */
    public static String partitionName(final long runId)
    {
        return runId == 0 ? "signal_rows_live" : "signal_rows_r" + runId;
    }

    /** The ids of (providers[i], symbols[i]), made where missing, in the order given. */
    public int[] keyIds(final List<String> providers, final List<String> symbols) throws SQLException
    {
        try (Connection c = dataSource.getConnection())
        {
            c.setAutoCommit(true);
            final Array p = c.createArrayOf("text", providers.toArray());
            final Array s = c.createArrayOf("text", symbols.toArray());
            try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO series_keys (provider, symbol) SELECT * FROM unnest(?::text[], ?::text[]) ON CONFLICT DO NOTHING"))
            {
                insert.setArray(1, p);
                insert.setArray(2, s);
                insert.executeUpdate();
            }
            final Map<String, Integer> ids = new HashMap<>();
            try (PreparedStatement select = c.prepareStatement(
                "SELECT k.provider, k.symbol, k.id FROM series_keys k JOIN unnest(?::text[], ?::text[]) AS u(provider, symbol) " +
                    "ON k.provider = u.provider AND k.symbol = u.symbol"))
            {
                select.setArray(1, p);
                select.setArray(2, s);
                try (ResultSet rs = select.executeQuery())
                {
                    while (rs.next())
                    {
                        ids.put(rs.getString(1) + '\u0000' + rs.getString(2), rs.getInt(3));
                    }
                }
            }
            final int[] out = new int[providers.size()];
            for (int i = 0; i < out.length; i++)
            {
                out[i] = ids.get(providers.get(i) + '\u0000' + symbols.get(i));
            }
            return out;
        }
    }

    /** The ids of the signals, made where missing (with their explaining numbers' names), in the order given. */
    public short[] nameIds(final List<SignalCalculator> signals) throws SQLException
    {
        final short[] out = new short[signals.size()];
        try (Connection c = dataSource.getConnection())
        {
            c.setAutoCommit(true);
            for (int i = 0; i < out.length; i++)
            {
                try (PreparedStatement insert = c.prepareStatement(
                    "INSERT INTO signal_names (name, keys) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET keys = EXCLUDED.keys RETURNING id"))
                {
                    insert.setString(1, signals.get(i).name());
                    insert.setArray(2, c.createArrayOf("text", signals.get(i).metadataKeys().toArray()));
                    try (ResultSet rs = insert.executeQuery())
                    {
                        rs.next();
                        out[i] = rs.getShort(1);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The newest replay run (highest id) with signal rows of {@code provider}'s {@code symbols} in
     * [start, end); 0 (live) when none has. Per run, newest first, one probe of its partition's key index.
     */
    public long newestSignalRun(final String provider, final List<String> symbols, final Instant start, final Instant end) throws SQLException
    {
        final List<Long> runs = runsWithRows();
        try (Connection c = dataSource.getConnection())
        {
            for (int i = runs.size() - 1; i >= 0 && runs.get(i) > 0; i--)
            {
                try (PreparedStatement s = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM " + partitionName(runs.get(i)) + " r JOIN series_keys k " +
                    "ON k.id = r.key_id WHERE k.provider = ? AND k.symbol = ANY(?) AND r.ts >= ? AND r.ts < ?)"))
                {
                    s.setString(1, provider);
                    s.setArray(2, c.createArrayOf("text", symbols.toArray()));
                    s.setObject(3, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                    s.setObject(4, OffsetDateTime.ofInstant(end, ZoneOffset.UTC));
                    try (ResultSet rs = s.executeQuery())
                    {
                        rs.next();
                        if (rs.getBoolean(1))
                        {
                            return runs.get(i);
                        }
                    }
                }
            }
        }
        return 0;
    }

    /** The newest run (highest id; 0 is live) with bars of {@code interval} of {@code provider}'s {@code symbols} in [start, end); 0 when none. */
    public long newestBarRun(final String provider, final List<String> symbols, final String interval, final Instant start, final Instant end)
        throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT max(run_id) FROM bars_ohlcv WHERE provider = ? AND symbol = ANY(?) AND \"interval\" = ? " +
                 "AND ts >= ? AND ts < ?"))
        {
            s.setString(1, provider);
            s.setArray(2, c.createArrayOf("text", symbols.toArray()));
            s.setString(3, interval);
            s.setObject(4, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
            s.setObject(5, OffsetDateTime.ofInstant(end, ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Whether run {@code runId} has any signal row (its partition exists and is not empty). */
    public boolean hasRows(final long runId) throws SQLException
    {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement())
        {
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('" + partitionName(runId) + "') IS NOT NULL"))
            {
                rs.next();
                if (!rs.getBoolean(1))
                {
                    return false;
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM " + partitionName(runId) + ")"))
            {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /**
     * Drops run {@code runId}'s signal rows (its partition: at once, whatever its size) and deletes its
     * bars, in one transaction; returns how many bars it deleted. Dropping a partition locks
     * {@code signal_rows} itself for a moment: it waits at most {@code lockWait} for readers of the
     * whole table (the {@code signals} view, a consumer's COPY) to finish, so that the queries queued
     * behind it never wait longer, and tries three times before it gives up with the server's error.
     */
    public long dropRun(final long runId, final Duration lockWait) throws SQLException
    {
        if (runId == 0)
        {
            throw new IllegalArgumentException("run 0 is the live pipeline's: it is not dropped");
        }
        for (int attempt = 1; ; attempt++)
        {
            try (Connection c = dataSource.getConnection(); Statement s = c.createStatement())
            {
                c.setAutoCommit(false);
                try
                {
                    s.execute("SET LOCAL lock_timeout = " + Math.max(1, lockWait.toMillis()));
                    s.execute("DROP TABLE IF EXISTS " + partitionName(runId));
                    final long bars = s.executeUpdate("DELETE FROM bars_ohlcv WHERE run_id = " + runId);
                    c.commit();
                    return bars;
                }
                catch (final SQLException e)
                {
                    try
                    {
                        c.rollback();
                    }
                    catch (final SQLException r)
                    {
                        e.addSuppressed(r);
                    }
                    if (!"55P03".equals(e.getSQLState()) || attempt == 3) // lock_not_available
                    {
                        throw e;
                    }
                }
            }
        }
    }

    /** As {@link #dropRun(long, Duration)}, waiting up to 5 s a try for the lock. */
    public long dropRun(final long runId) throws SQLException
    {
        return dropRun(runId, Duration.ofSeconds(5));
    }

    /**
     * Of each of {@code runIds} that has a partition: its bytes on disk (table, indexes, TOAST) and the
     * planner's estimate of its rows ({@code pg_class.reltuples}: -1 until it is first analysed).
     * Cheap whatever the sizes: catalog reads and file sizes, no scan.
     */
    public Map<Long, long[]> partitionSizes(final Collection<Long> runIds) throws SQLException
    {
        final Map<Long, long[]> out = new HashMap<>();
        if (runIds.isEmpty())
        {
            return out;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT u.run, pg_total_relation_size(p.oid), p.reltuples::BIGINT FROM unnest(?::BIGINT[]) AS u(run) " +
                 "JOIN pg_class p ON p.oid = to_regclass(CASE WHEN u.run = 0 THEN 'signal_rows_live' ELSE 'signal_rows_r' || u.run END)"))
        {
            s.setArray(1, c.createArrayOf("bigint", runIds.toArray()));
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.put(rs.getLong(1), new long[] {rs.getLong(2), rs.getLong(3)}); // a partition dropped meanwhile: 0 bytes
                }
            }
        }
        return out;
    }

    /** Bytes on disk of run {@code runId}'s signal rows (table and indexes) and their count; zeros when it has none. */
    public long[] size(final long runId) throws SQLException
    {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT CASE WHEN to_regclass('" + partitionName(runId) + "') IS NULL THEN 0 ELSE " +
                 "pg_total_relation_size('" + partitionName(runId) + "') END"))
        {
            rs.next();
            final long bytes = rs.getLong(1);
            if (bytes == 0)
            {
                return new long[] {0, 0};
            }
            try (Statement count = c.createStatement(); ResultSet n = count.executeQuery("SELECT count(*) FROM " + partitionName(runId)))
            {
                n.next();
                return new long[] {bytes, n.getLong(1)};
            }
        }
    }

    /** The runs that have a partition, by id (0 first, if live rows exist). */
    public List<Long> runsWithRows() throws SQLException
    {
        final List<Long> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid " +
                 "WHERE i.inhparent = to_regclass('signal_rows') ORDER BY 1"))
        {
            while (rs.next())
            {
                final String name = rs.getString(1);
                out.add(name.equals("signal_rows_live") ? 0L : Long.parseLong(name.substring("signal_rows_r".length())));
            }
        }
        out.sort(null); // by run id: the names sort as text (r10 before r2)
        out.sort(Long::compare);
        return out;
    }
}
