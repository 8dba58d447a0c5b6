package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves the rows of the old {@code signals} table (renamed {@code signals_v1} by migration V7) into
 * {@code signal_rows}, each into its run's partition ({@code metadata->>'replay_run_id'}, else live):
 * in chunks of {@value #PAGES_PER_CHUNK} heap pages read by TID range, each chunk copied and deleted
 * in one transaction. Resumable: a chunk is moved whole or not at all, and a restarted move goes on
 * with what is left (a key moved twice keeps one row). The old table is dropped once empty. Two
 * processes opening the store at once take turns (an advisory lock); the second finds nothing left.
 */
public final class SignalRowsMigration
{
    /** 8 KiB pages: about 60,000 rows of the old table (~130 B each) per transaction. */
    static final int PAGES_PER_CHUNK = 1024;
    /** WARN: the one-time move is seen at the default log level, since it holds up the command that opened the store. */
    private static final Logger LOG = LoggerFactory.getLogger(SignalRowsMigration.class);
    private static final long LOCK = 7_311_001L;

    /** What a move did: rows moved, chunks, seconds; zeros when there was nothing to move. */
    public record Moved(long rows, int chunks, double seconds)
    {
    }

    private SignalRowsMigration()
    {
    }

    /** Moves whatever {@code signals_v1} holds, if it exists; logs its progress every ten seconds. */
    public static Moved run(final DataSource dataSource) throws SQLException
    {
        return run(dataSource, PAGES_PER_CHUNK, Integer.MAX_VALUE);
    }

    /** As above, {@code pagesPerChunk} pages at a time, stopping after {@code maxChunks} (a test's interrupted move). */
    static Moved run(final DataSource dataSource, final int pagesPerChunk, final int maxChunks) throws SQLException
    {
        try (Connection c = dataSource.getConnection())
        {
            c.setAutoCommit(true);
            if (!exists(c))
            {
                return new Moved(0, 0, 0);
            }
            try (Statement s = c.createStatement())
            {
                s.execute("SELECT pg_advisory_lock(" + LOCK + ")");
            }
            try
            {
                return exists(c) ? move(c, pagesPerChunk, maxChunks) : new Moved(0, 0, 0);
            }
            finally
            {
                try (Statement s = c.createStatement())
                {
                    s.execute("SELECT pg_advisory_unlock(" + LOCK + ")");
                }
            }
        }
    }

    private static boolean exists(final Connection c) throws SQLException
    {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT to_regclass('signals_v1') IS NOT NULL"))
        {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    private static Moved move(final Connection c, final int pagesPerChunk, final int maxChunks) throws SQLException
    {
        final long began = System.nanoTime();
        final long pages;
        final long estimate;
        try (Statement s = c.createStatement())
        {
            // the dictionaries first, whole: a chunk then only joins
            s.executeUpdate("INSERT INTO series_keys (provider, symbol) SELECT DISTINCT provider, symbol FROM signals_v1 ON CONFLICT DO NOTHING");
            s.executeUpdate("INSERT INTO signal_names (name) SELECT DISTINCT name FROM signals_v1 ON CONFLICT DO NOTHING");
            try (ResultSet rs = s.executeQuery("SELECT pg_relation_size('signals_v1') / current_setting('block_size')::bigint, " +
                "(SELECT reltuples::bigint FROM pg_class WHERE oid = 'signals_v1'::regclass)"))
            {
                rs.next();
                pages = rs.getLong(1);
                estimate = Math.max(0, rs.getLong(2));
            }
        }
        nameKeys(c);
        final boolean tell = pages > 0; // a new store's empty old table goes without a word
        if (tell)
        {
            LOG.warn("moving the signals of the old table into signal_rows, run by run (docs/runs.md): about {} rows, {} MB; resumable", estimate,
                pages * 8 / 1024);
        }
        long moved = 0;
        int chunks = 0;
        long lastLog = System.nanoTime();
        c.setAutoCommit(false);
        try
        {
            for (long page = 0; page < pages; page += pagesPerChunk)
            {
                if (chunks == maxChunks)
                {
                    return new Moved(moved, chunks, (System.nanoTime() - began) / 1e9);
                }
                moved += chunk(c, page, page + pagesPerChunk);
                c.commit();
                chunks++;
                if (System.nanoTime() - lastLog > 10_000_000_000L)
                {
                    lastLog = System.nanoTime();
                    LOG.warn("moved {} signal rows ({}% of the old table's pages)", moved, Math.min(100, (page + pagesPerChunk) * 100 / Math.max(1, pages)));
                }
            }
            // rows written into the old table after its size was read (none, unless an old process still writes): one last pass
            moved += chunk(c, pages, Long.MAX_VALUE / 2);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM signals_v1)"))
            {
                rs.next();
                if (!rs.getBoolean(1))
                {
                    s.execute("DROP TABLE signals_v1");
                }
            }
            c.commit();
        }
        catch (final SQLException | RuntimeException e)
        {
            c.rollback();
            throw e;
        }
        finally
        {
            c.setAutoCommit(true);
        }
        final double seconds = (System.nanoTime() - began) / 1e9;
        if (tell || moved > 0)
        {
            LOG.warn("moved {} signal rows into signal_rows in {} s ({} chunks)", moved, String.format(Locale.ROOT, "%.1f", seconds), chunks);
        }
        return new Moved(moved, chunks, seconds);
    }

    /** The explaining numbers' names of the known signals (m1..m3), so that the view's metadata reads as the old rows did. */
    private static void nameKeys(final Connection c) throws SQLException
    {
        try (PreparedStatement s = c.prepareStatement("UPDATE signal_names SET keys = ? WHERE name = ? AND keys = '{}'"))
        {
            for (final SignalCalculator signal : SignalSet.of(List.of("all"), 1).calculators())
            {
                s.setArray(1, c.createArrayOf("text", signal.metadataKeys().toArray()));
                s.setString(2, signal.name());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Moves the rows on pages [from, to): their runs' partitions first, then the copy and the delete. */
    private static long chunk(final Connection c, final long from, final long to) throws SQLException
    {
        final String range = "ctid >= '(" + from + ",0)'::tid AND ctid < '(" + Math.min(to, 4_294_967_295L) + ",0)'::tid";
        try (Statement s = c.createStatement())
        {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS signals_v1_chunk (rid tid, provider text, symbol text, ts timestamptz, name text, " +
                "value double precision, metadata jsonb, run bigint) ON COMMIT DELETE ROWS");
            final int rows = s.executeUpdate("INSERT INTO signals_v1_chunk SELECT ctid, provider, symbol, ts, name, value, metadata, " +
                "COALESCE((metadata->>'replay_run_id')::bigint, 0) FROM signals_v1 WHERE " + range);
            if (rows == 0)
            {
                return 0;
            }
            final List<Long> runs = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT DISTINCT run FROM signals_v1_chunk"))
            {
                while (rs.next())
                {
                    runs.add(rs.getLong(1));
                }
            }
            for (final long run : runs)
            {
                SignalStore.partition(c, run);
            }
            s.executeUpdate("INSERT INTO signal_rows (" + SignalStore.COLUMNS + ") SELECT m.ts, m.value, m.run, k.id, n.id, " +
                "(m.metadata->>n.keys[1])::double precision, (m.metadata->>n.keys[2])::double precision, (m.metadata->>n.keys[3])::double precision " +
                "FROM signals_v1_chunk m JOIN series_keys k ON k.provider = m.provider AND k.symbol = m.symbol JOIN signal_names n ON n.name = m.name " +
                "ON CONFLICT DO NOTHING");
            s.executeUpdate("DELETE FROM signals_v1 o USING signals_v1_chunk m WHERE o.ctid = m.rid");
            return rows;
        }
    }
}
