package io.tickreplay.adapters.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Reads of the series that replays write, for the cockpit's charts ({@code GET /v1/signals},
 * {@code GET /v1/bars}): the latest {@code limit} rows of {@code signals} or {@code bars_ohlcv} in a
 * window, handed to a {@link RowSink} oldest first, one at a time, read through a cursor
 * ({@value #FETCH_ROWS} rows per round trip): whatever the limit, a call holds a few thousand rows,
 * never the whole answer. Each call is one bounded query (an index scan from the newest row, at most
 * {@code limit} rows) on a connection of the pool it is given. Thread-safe: the API's worker threads
 * share one instance.
 */
public final class SeriesStore
{
    /** Which rows: a null field does not narrow them. The window is [start, end). */
    public record Window(String provider, String symbol, Instant start, Instant end)
    {
    }

    /** A row of {@code signals}; {@code metadata} is the JSONB as text (null when none). */
    public record SignalRow(String provider, String symbol, Instant ts, String name, double value, Double score, String metadata)
    {
    }

    /** A row of {@code bars_ohlcv}. */
    public record BarRow(String provider, String symbol, String interval, Instant ts, double open, double high, double low, double close,
        double volume, long tradeCount, Double vwap)
    {
    }

    /** Where rows go, one by one, while the query runs. */
    public interface RowSink<T>
    {
        /** The query runs and its first rows are there: from here on a failure can only cut the answer short. */
        void begin() throws IOException;

        void accept(T row) throws IOException;
    }

    private static final int FETCH_ROWS = 2000;

    @FunctionalInterface
    private interface RowReader<T>
    {
        T read(ResultSet rs) throws SQLException;
    }

    private final DataSource dataSource;

    public SeriesStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** The latest signals of the window, of one {@code name} and one replay run when given (null: any). */
    public long latestSignals(final Window window, final String name, final Long replayRunId, final int limit, final RowSink<SignalRow> sink)
        throws SQLException, IOException
    {
        final List<Object> args = new ArrayList<>();
        final StringBuilder where = where(window, args);
        if (name != null)
        {
            where.append(" AND name = ?");
            args.add(name);
        }
        if (replayRunId != null)
        {
            where.append(" AND run_id = ?");
            args.add(replayRunId);
        }
        // the newest rows first, of narrow columns; their metadata after, for those only (built for every row of every run
        // before the sort, the view's JSON took most of the time: 4.6 s instead of 1.9 s for 100,000 of the demo's 7.6M rows)
        return latest("SELECT k.provider, k.symbol, r.ts, n.name, r.value, r.run_id, n.keys, r.m1, r.m2, r.m3 FROM signal_rows r " +
            "JOIN series_keys k ON k.id = r.key_id JOIN signal_names n ON n.id = r.name_id WHERE " + where,
            "provider, symbol, ts, name, value, NULL::double precision AS score, signal_metadata(run_id, keys, m1, m2, m3)::text", args, limit,
            rs -> new SignalRow(rs.getString(1), rs.getString(2), rs.getObject(3, OffsetDateTime.class).toInstant(), rs.getString(4),
                rs.getDouble(5), nullableDouble(rs, 6), rs.getString(7)), sink);
    }

    /** The latest bars of the window of one {@code interval}, of one run when given (0: live; null: any). */
    public long latestBars(final Window window, final String interval, final Long runId, final int limit, final RowSink<BarRow> sink)
        throws SQLException, IOException
    {
        final List<Object> args = new ArrayList<>();
        final StringBuilder where = where(window, args);
        where.append(" AND \"interval\" = ?");
        args.add(interval);
        if (runId != null)
        {
            where.append(" AND run_id = ?");
            args.add(runId);
        }
        return latest("SELECT provider, symbol, \"interval\", ts, open, high, low, close, volume, trade_count, vwap FROM bars_ohlcv WHERE " + where,
            "*", args, limit, rs -> new BarRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getObject(4, OffsetDateTime.class).toInstant(),
                rs.getDouble(5), rs.getDouble(6), rs.getDouble(7), rs.getDouble(8), rs.getDouble(9), rs.getLong(10), nullableDouble(rs, 11)), sink);
    }

    /** What {@code tick_data} holds of one provider (or, for {@link #symbols}, one symbol: {@code symbols} is then 1). */
    public record Summary(String name, long symbols, long ticks, Instant firstTs, Instant lastTs)
    {
    }

    /** One row per provider of {@code tick_data}, by name. A full scan of the table's index: about a second per 5M ticks. */
    public List<Summary> providers() throws SQLException
    {
        return summaries("SELECT provider, count(DISTINCT symbol), count(*), min(ts), max(ts) FROM tick_data GROUP BY provider ORDER BY provider", null);
    }

    /** One row per symbol of {@code provider}, by name. */
    public List<Summary> symbols(final String provider) throws SQLException
    {
        return summaries("SELECT symbol, 1, count(*), min(ts), max(ts) FROM tick_data WHERE provider = ? GROUP BY symbol ORDER BY symbol", provider);
    }

    private List<Summary> summaries(final String sql, final String provider) throws SQLException
    {
        final List<Summary> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql))
        {
            if (provider != null)
            {
                s.setString(1, provider);
            }
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(new Summary(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getObject(4, OffsetDateTime.class).toInstant(),
                        rs.getObject(5, OffsetDateTime.class).toInstant()));
                }
            }
        }
        return out;
    }

    /**
     * A series downsampled to {@code width} columns of equal time: per column that has rows, its start
     * (epoch ms), the minimum, the maximum and the last value (by ts), and how many rows the window held.
     */
    public record Columns(long rows, long[] t, double[] min, double[] max, double[] last)
    {
    }

    /**
     * {@code signals} of one provider, symbol and name in [start, end), min/max/last per pixel column,
     * computed by PostgreSQL ({@code width_bucket} over the epoch, one GROUP BY): a window of millions of
     * rows answers {@code width} rows. {@code replayRunId} narrows to one replay's rows; {@code live} to
     * the live pipeline's (run 0); neither: any run's (docs/runs.md).
     */
    public Columns signalColumns(final Window window, final String name, final Long replayRunId, final boolean live, final int width)
        throws SQLException
    {
        final List<Object> args = new ArrayList<>();
        final StringBuilder where = where(window, args);
        where.append(" AND name = ?");
        args.add(name);
        final Long run = replayRunId != null ? replayRunId : live ? Long.valueOf(0) : null;
        if (run != null)
        {
            where.append(" AND run_id = ?");
            args.add(run);
            return columns("value", "signals", where, args, "t.name = ? AND t.run_id = ?", List.of(name, run), window, width);
        }
        return columns("value", "signals", where, args, "t.name = ?", List.of(name), window, width);
    }

    /** The 1-minute close of {@code bars_ohlcv} in [start, end), the last close per pixel column, of one run when given (0: live). */
    public Columns closeColumns(final Window window, final Long runId, final int width) throws SQLException
    {
        final List<Object> args = new ArrayList<>();
        final StringBuilder where = where(window, args);
        where.append(" AND \"interval\" = '1m'");
        if (runId != null)
        {
            where.append(" AND run_id = ?");
            args.add(runId);
            return columns("close", "bars_ohlcv", where, args, "t.\"interval\" = '1m' AND t.run_id = ?", List.of(runId), window, width);
        }
        return columns("close", "bars_ohlcv", where, args, "t.\"interval\" = '1m'", List.of(), window, width);
    }

    /**
     * Two queries: one aggregate over the window (count, min, max and the latest ts per column), then the
     * values at those latest times, looked up by key ({@code keyMatch}: the rest of the table's primary key
     * besides provider, symbol and ts) with {@code ts = ANY(...)}: cheaper than ordering every column's
     * values to take the last, and two plans PostgreSQL cannot get wrong (joining the aggregate back
     * to the table in one statement was planned as minutes on a table just written).
     */
    private Columns columns(final String value, final String table, final StringBuilder where, final List<Object> args, final String keyMatch,
        final List<Object> keyArgs, final Window window, final int width) throws SQLException
    {
        final double from = window.start().toEpochMilli() / 1e3;
        final double to = window.end().toEpochMilli() / 1e3;
        final String aggregate = "SELECT width_bucket(date_part('epoch', ts), ?, ?, ?) AS col, count(*), min(" + value + "), max(" + value + "), " +
            "max(ts) FROM " + table + " WHERE " + where + " GROUP BY col ORDER BY col";
        final List<Integer> cols = new ArrayList<>();
        final List<double[]> values = new ArrayList<>();
        final List<OffsetDateTime> lastTs = new ArrayList<>();
        long rows = 0;
        final Map<Instant, Double> last = new HashMap<>();
        try (Connection c = dataSource.getConnection())
        {
            try (PreparedStatement s = c.prepareStatement(aggregate))
            {
                s.setDouble(1, from);
                s.setDouble(2, to);
                s.setInt(3, width);
                int p = 4;
                for (final Object arg : args)
                {
                    s.setObject(p++, arg);
                }
                try (ResultSet rs = s.executeQuery())
                {
                    while (rs.next())
                    {
                        cols.add(rs.getInt(1)); // 1..width inside [start, end)
                        rows += rs.getLong(2);
                        values.add(new double[] {rs.getDouble(3), rs.getDouble(4)});
                        lastTs.add(rs.getObject(5, OffsetDateTime.class));
                    }
                }
            }
            if (!lastTs.isEmpty())
            {
                try (PreparedStatement s = c.prepareStatement("SELECT t.ts, t." + value + " FROM " + table + " t WHERE t.provider = ? AND t.symbol = ? AND " +
                    keyMatch + " AND t.ts = ANY(?)"))
                {
                    int p = 1;
                    s.setString(p++, window.provider());
                    s.setString(p++, window.symbol());
                    for (final Object arg : keyArgs)
                    {
                        s.setObject(p++, arg);
                    }
                    s.setArray(p, c.createArrayOf("timestamptz", lastTs.toArray()));
                    try (ResultSet rs = s.executeQuery())
                    {
                        while (rs.next())
                        {
                            last.put(rs.getObject(1, OffsetDateTime.class).toInstant(), rs.getDouble(2));
                        }
                    }
                }
            }
        }
        final int n = cols.size();
        final long[] t = new long[n];
        final double[] min = new double[n];
        final double[] max = new double[n];
        final double[] lastValues = new double[n];
        for (int i = 0; i < n; i++)
        {
            t[i] = Math.round((from + (cols.get(i) - 1) * (to - from) / width) * 1e3);
            min[i] = values.get(i)[0];
            max[i] = values.get(i)[1];
            lastValues[i] = last.getOrDefault(lastTs.get(i).toInstant(), values.get(i)[1]);
        }
        return new Columns(rows, t, min, max, lastValues);
    }

    /**
     * A replay run that has signal rows: its id and provider, one of its symbols and signal names, and
     * the first and last {@code ts} of that symbol's and name's rows.
     */
    public record RunSignals(long runId, String provider, String symbol, String name, Instant firstTs, Instant lastTs)
    {
    }

    /**
     * The newest of the {@code maxRuns} newest runs (by id, jobs named {@code jobName}) that have signal rows in their own
     * partition (docs/runs.md; a bus consumer writing a run's ticks writes into the same one). The symbol
     * and name are those of the partition's first row, the name {@code preferredName} when the run wrote
     * it for that symbol. Cost: per run, a few index probes of its partition, whatever its size.
     */
    public Optional<RunSignals> latestRunWithSignals(final String jobName, final String preferredName, final int maxRuns) throws SQLException
    {
        final List<Long> partitions = new SignalStore(dataSource).runsWithRows();
        try (Connection c = dataSource.getConnection())
        {
            // only runs that are jobs of that name: rows written by hand through the view under a made-up replay_run_id have no run to show
            final List<Long> runs = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM job_runs WHERE job_name = ? AND id = ANY(?) ORDER BY id"))
            {
                s.setString(1, jobName);
                s.setArray(2, c.createArrayOf("bigint", partitions.toArray()));
                try (ResultSet rs = s.executeQuery())
                {
                    while (rs.next())
                    {
                        runs.add(rs.getLong(1));
                    }
                }
            }
            int tried = 0;
            for (int i = runs.size() - 1; i >= 0 && tried < maxRuns; i--)
            {
                final long runId = runs.get(i);
                if (runId == 0)
                {
                    continue;
                }
                tried++;
                final Optional<RunSignals> found = runSignals(c, runId, preferredName);
                if (found.isPresent())
                {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<RunSignals> runSignals(final Connection c, final long runId, final String preferredName) throws SQLException
    {
        final String partition = SignalStore.partitionName(runId);
        final int keyId;
        int nameId;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT key_id, name_id FROM " + partition + " LIMIT 1"))
        {
            if (!rs.next())
            {
                return Optional.empty();
            }
            keyId = rs.getInt(1);
            nameId = rs.getInt(2);
        }
        if (preferredName != null)
        {
            try (PreparedStatement s = c.prepareStatement("SELECT n.id FROM signal_names n WHERE n.name = ? AND EXISTS (SELECT 1 FROM " + partition +
                " r WHERE r.key_id = ? AND r.name_id = n.id)"))
            {
                s.setString(1, preferredName);
                s.setInt(2, keyId);
                try (ResultSet rs = s.executeQuery())
                {
                    if (rs.next())
                    {
                        nameId = rs.getInt(1);
                    }
                }
            }
        }
        try (PreparedStatement s = c.prepareStatement("SELECT k.provider, k.symbol, n.name, " +
            "(SELECT min(ts) FROM " + partition + " WHERE key_id = k.id AND name_id = n.id), " +
            "(SELECT max(ts) FROM " + partition + " WHERE key_id = k.id AND name_id = n.id) " +
            "FROM series_keys k, signal_names n WHERE k.id = ? AND n.id = ?"))
        {
            s.setInt(1, keyId);
            s.setInt(2, nameId);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return Optional.of(new RunSignals(runId, rs.getString(1), rs.getString(2), rs.getString(3),
                    rs.getObject(4, OffsetDateTime.class).toInstant(), rs.getObject(5, OffsetDateTime.class).toInstant()));
            }
        }
    }

    /** Rows of one series of a run: signal rows of one name ({@code name}), or bars of one interval ({@code interval}), and their first and last ts. */
    public record SeriesCount(String provider, String symbol, String name, long rows, Instant firstTs, Instant lastTs)
    {
    }

    /** What a run holds, counted: its signal rows per symbol and name, its bars per symbol and interval. */
    public record RunRows(List<SeriesCount> signals, List<SeriesCount> bars)
    {
    }

    /**
     * Counts what run {@code runId} holds (docs/runs.md): its partition of {@code signal_rows} grouped by
     * (key_id, name_id), then the few groups named; its rows of {@code bars_ohlcv} grouped by symbol and
     * interval. Cost: one pass over the run's partition (an index-only scan of its (key_id, name_id, ts)
     * key once vacuumed), and a range of the bars' primary key (it begins with run_id); no other run's
     * rows are read. A run without a partition has no signal rows.
     */
    public RunRows runRows(final long runId) throws SQLException
    {
        final String partition = SignalStore.partitionName(runId);
        final List<SeriesCount> signals = new ArrayList<>();
        final List<SeriesCount> bars = new ArrayList<>();
        try (Connection c = dataSource.getConnection())
        {
            boolean exists;
            try (PreparedStatement s = c.prepareStatement("SELECT to_regclass(?) IS NOT NULL"))
            {
                s.setString(1, partition);
                try (ResultSet rs = s.executeQuery())
                {
                    rs.next();
                    exists = rs.getBoolean(1);
                }
            }
            if (exists)
            {
                counts(c, "SELECT k.provider, k.symbol, n.name, g.rows, g.first_ts, g.last_ts FROM (SELECT key_id, name_id, count(*) AS rows, " +
                    "min(ts) AS first_ts, max(ts) AS last_ts FROM " + partition + " GROUP BY key_id, name_id) g " +
                    "JOIN series_keys k ON k.id = g.key_id JOIN signal_names n ON n.id = g.name_id ORDER BY k.provider, k.symbol, n.id", null, signals);
            }
            counts(c, "SELECT provider, symbol, \"interval\", count(*), min(ts), max(ts) FROM bars_ohlcv WHERE run_id = ? " +
                "GROUP BY provider, symbol, \"interval\" ORDER BY provider, symbol, \"interval\"", runId, bars);
        }
        return new RunRows(signals, bars);
    }

    private static void counts(final Connection c, final String sql, final Long runId, final List<SeriesCount> out) throws SQLException
    {
        try (PreparedStatement s = c.prepareStatement(sql))
        {
            if (runId != null)
            {
                s.setLong(1, runId);
            }
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(new SeriesCount(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
                        rs.getObject(5, OffsetDateTime.class).toInstant(), rs.getObject(6, OffsetDateTime.class).toInstant()));
                }
            }
        }
    }

    private static StringBuilder where(final Window window, final List<Object> args)
    {
        final StringBuilder where = new StringBuilder("TRUE");
        if (window.provider() != null)
        {
            where.append(" AND provider = ?");
            args.add(window.provider());
        }
        if (window.symbol() != null)
        {
            where.append(" AND symbol = ?");
            args.add(window.symbol());
        }
        if (window.start() != null)
        {
            where.append(" AND ts >= ?");
            args.add(OffsetDateTime.ofInstant(window.start(), ZoneOffset.UTC));
        }
        if (window.end() != null)
        {
            where.append(" AND ts < ?");
            args.add(OffsetDateTime.ofInstant(window.end(), ZoneOffset.UTC));
        }
        return where;
    }

    /** The newest {@code limit} rows of {@code select}, oldest first (what a chart wants), as {@code columns} of them, to {@code sink}; returns how many. */
    private <T> long latest(final String select, final String columns, final List<Object> args, final int limit, final RowReader<T> reader,
        final RowSink<T> sink) throws SQLException, IOException
    {
        long rows = 0;
        try (Connection c = dataSource.getConnection())
        {
            c.setAutoCommit(false); // a cursor: pgjdbc fetches FETCH_ROWS at a time only inside a transaction
            try (PreparedStatement s = c.prepareStatement("SELECT " + columns + " FROM (" + select + " ORDER BY ts DESC LIMIT ?) latest ORDER BY ts, symbol"))
            {
                s.setFetchSize(FETCH_ROWS);
                for (int i = 0; i < args.size(); i++)
                {
                    s.setObject(i + 1, args.get(i));
                }
                s.setInt(args.size() + 1, limit);
                try (ResultSet rs = s.executeQuery())
                {
                    sink.begin();
                    while (rs.next())
                    {
                        sink.accept(reader.read(rs));
                        rows++;
                    }
                }
            }
            finally
            {
                c.rollback(); // read only: nothing to keep
                c.setAutoCommit(true);
            }
        }
        return rows;
    }

    private static Double nullableDouble(final ResultSet rs, final int column) throws SQLException
    {
        final double v = rs.getDouble(column);
        return rs.wasNull() ? null : v;
    }
}
