package io.tickreplay.benchmarks.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.SignalStore;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.postgresql.PGConnection;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Signals persisted, side by side on the same ticks: a burst replay writing {@code vwap_deviation_bps}
 * and {@code spread_bps} to the signals table, PostgreSQL computing the same two signals itself with
 * window functions in one {@code INSERT ... SELECT ... ON CONFLICT DO UPDATE}, and PostgreSQL's own
 * COPY-in of the same signal rows into an empty copy of the table (the physical limit). It first
 * checks that the replay and PostgreSQL wrote the same values.
 */
public final class SignalsBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");

    private final Database db;
    private final Path workDir;

    public SignalsBench(final Database db, final Path workDir)
    {
        this.db = db;
        this.workDir = workDir;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        final long generated = writeSession(db, "sigbench", SYMBOLS, 13, ticks);
        final Instant start = Instant.parse("2025-11-03T00:00:00Z");
        final Instant end = Instant.parse("2025-11-04T00:00:00Z");
        BenchSql.execute(db, "VACUUM ANALYZE tick_data");
        System.out.printf(Locale.ROOT, "bench signals: %,d ticks of %d symbols; persisting vwap_deviation_bps and spread_bps%n", generated, SYMBOLS.size());

        // (b) tickreplay: burst replay with the two signals written to the signals table
        BenchSql.execute(db, "TRUNCATE signal_rows");
        // the seed's table, for PostgreSQL's own computation and the naive replayer: one row per key, no runs
        BenchSql.execute(db, "DROP TABLE IF EXISTS signals_seed");
        BenchSql.execute(db, "CREATE TABLE signals_seed (provider TEXT NOT NULL, symbol TEXT NOT NULL, ts TIMESTAMPTZ NOT NULL, name TEXT NOT NULL, " +
            "value DOUBLE PRECISION NOT NULL, score DOUBLE PRECISION, metadata JSONB, created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(), " +
            "PRIMARY KEY (provider, symbol, ts, name))");
        final double replayRate;
        final String partition;
        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(1_000_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(),
                 new ReplayService.Context().maxConcurrent(2).journal(false).journalDir(workDir.resolve("journal")).metricsRetentionMinutes(0)))
        {
            final ReplayRun run = service.start(ReplayRequest.fromDatabase("sigbench", SYMBOLS, start, end, 0.0)
                .withSignals(List.of("vwap_deviation_bps", "spread_bps")));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            replayRate = outcome.ticksPerSecond();
            partition = SignalStore.partitionName(run.runId());
        }
        final long rows = BenchSql.count(db, "SELECT count(*) FROM " + partition);
        BenchSql.execute(db, "CREATE TEMP TABLE IF NOT EXISTS signals_replayed AS SELECT provider, symbol, ts, name, value FROM signals WITH NO DATA");
        BenchSql.execute(db, "TRUNCATE signals_replayed");
        BenchSql.execute(db, "INSERT INTO signals_replayed SELECT provider, symbol, ts, name, value FROM signals WHERE run_id = " +
            partition.substring("signal_rows_r".length()));

        // (c) the physical limit: PostgreSQL's COPY of the same rows into an empty copy of the table
        final Path rowsFile = workDir.resolve("signal-rows.bin");
        Files.createDirectories(workDir);
        try (Connection c = db.connection(); OutputStream out = Files.newOutputStream(rowsFile))
        {
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY " + partition + " TO STDOUT (FORMAT binary)", out);
        }
        BenchSql.execute(db, "DROP TABLE IF EXISTS signals_copy_target");
        BenchSql.execute(db, "CREATE TABLE signals_copy_target (LIKE " + partition + " INCLUDING ALL)");
        final long t0 = System.nanoTime();
        try (Connection c = db.connection(); InputStream in = Files.newInputStream(rowsFile))
        {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY signals_copy_target FROM STDIN (FORMAT binary)", in, 1 << 16);
        }
        final double copyInRowsPerSecond = rows * 1e9 / (System.nanoTime() - t0);
        BenchSql.execute(db, "DROP TABLE signals_copy_target");
        Files.deleteIfExists(rowsFile);

        // (d) PostgreSQL computing the same two signals itself, keeping the last tick of each ts
        final long t1 = System.nanoTime();
        BenchSql.execute(db, "INSERT INTO signals_seed (provider, symbol, ts, name, value, metadata) " +
            "SELECT provider, symbol, ts, name, value, metadata FROM (" +
            " SELECT DISTINCT ON (symbol, ts) provider, symbol, ts, 'vwap_deviation_bps' AS name, (price - vwap) / vwap * 10000 AS value, " +
            "  jsonb_build_object('origin', 'replay', 'vwap', vwap) AS metadata FROM (" +
            "   SELECT provider, symbol, ts, seq, price, sum(price * size) OVER w / nullif(sum(size) OVER w, 0) AS vwap FROM tick_data " +
            "   WHERE provider = 'sigbench' AND ts >= '" + start + "' AND ts < '" + end + "' " +
            "   WINDOW w AS (PARTITION BY symbol, date_trunc('day', ts AT TIME ZONE 'UTC') ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)) v " +
            "  WHERE vwap IS NOT NULL ORDER BY symbol, ts, seq DESC) a " +
            "UNION ALL SELECT provider, symbol, ts, name, value, metadata FROM (" +
            " SELECT DISTINCT ON (symbol, ts) provider, symbol, ts, 'spread_bps' AS name, (ask - bid) / ((ask + bid) / 2) * 10000 AS value, " +
            "  jsonb_build_object('origin', 'replay', 'mid', (ask + bid) / 2) AS metadata, bid > 0 AND ask > 0 AND ask >= bid AS ok FROM tick_data " +
            "  WHERE provider = 'sigbench' AND ts >= '" + start + "' AND ts < '" + end + "' ORDER BY symbol, ts, seq DESC) b WHERE ok " +
            "ON CONFLICT (provider, symbol, ts, name) DO UPDATE SET value = EXCLUDED.value, metadata = EXCLUDED.metadata");
        final double postgresRate = generated * 1e9 / (System.nanoTime() - t1);

        final long mismatches = BenchSql.count(db, "SELECT count(*) FROM signals_seed s FULL JOIN signals_replayed r USING (provider, symbol, ts, name) " +
            "WHERE s.value IS NULL OR r.value IS NULL OR abs(s.value - r.value) > 1e-9 * greatest(1, abs(s.value))");
        if (mismatches != 0)
        {
            throw new IllegalStateException(mismatches + " signal rows differ between the replay and PostgreSQL's own computation");
        }
        BenchSql.execute(db, "TRUNCATE signals_seed");

        // (e) the naive replayer the seed describes: fetch rows, compute per tick, executeBatch of 200 INSERT ... ON CONFLICT
        final double naiveRate = naive(start, end, generated);
        final long naiveMismatches = BenchSql.count(db, "SELECT count(*) FROM signals_seed s FULL JOIN signals_replayed r USING (provider, symbol, ts, name) " +
            "WHERE s.value IS NULL OR r.value IS NULL OR abs(s.value - r.value) > 1e-9 * greatest(1, abs(s.value))");
        if (naiveMismatches != 0)
        {
            throw new IllegalStateException(naiveMismatches + " signal rows differ between the replay and the naive JDBC replayer");
        }
        BenchSql.execute(db, "DROP TABLE signals_seed");
        BenchSql.execute(db, "TRUNCATE signal_rows");

        final double replayRowsPerSecond = replayRate * rows / generated;
        System.out.printf(Locale.ROOT, "bench signals: the replay, PostgreSQL and the naive JDBC replayer wrote the same %,d rows%n", rows);
        System.out.printf(Locale.ROOT, "  %-58s %12s ticks/s (%s rows/s)%n", "replay, burst, 2 signals persisted (tickreplay)", rate(replayRate), rate(replayRowsPerSecond));
        System.out.printf(Locale.ROOT, "  %-58s %12s ticks/s   replay = %.2fx%n", "PostgreSQL computing them itself (window functions)", rate(postgresRate),
            replayRate / postgresRate);
        System.out.printf(Locale.ROOT, "  %-58s %12s rows/s    replay = %.2fx%n", "PostgreSQL COPY-in of the same rows (limit)", rate(copyInRowsPerSecond),
            replayRowsPerSecond / copyInRowsPerSecond);
        System.out.printf(Locale.ROOT, "  %-58s %12s ticks/s   replay = %.2fx%n", "naive JDBC replayer (batches of 200 INSERT ... ON CONFLICT)",
            rate(naiveRate), replayRate / naiveRate);

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        out.put("signal_rows", rows);
        out.put("rows_identical", true);
        out.put("replay_ticks_per_s", Math.round(replayRate));
        out.put("replay_signal_rows_per_s", Math.round(replayRowsPerSecond));
        out.put("postgres_window_functions_ticks_per_s", Math.round(postgresRate));
        out.put("postgres_copy_in_rows_per_s", Math.round(copyInRowsPerSecond));
        out.put("ratio_replay_to_postgres_compute", Math.round(replayRate / postgresRate * 1000) / 1000.0);
        out.put("ratio_replay_to_copy_in", Math.round(replayRowsPerSecond / copyInRowsPerSecond * 1000) / 1000.0);
        out.put("naive_jdbc_replayer_ticks_per_s", Math.round(naiveRate));
        out.put("ratio_replay_to_naive_jdbc", Math.round(replayRate / naiveRate * 1000) / 1000.0);
        return out;
    }

    /**
     * The seed's Python replayer, written plainly in Java: one query for the window in replay order
     * (a cursor of 10,000 rows), the two signals computed per tick with a map per symbol, and the
     * rows sent as {@code INSERT ... ON CONFLICT DO UPDATE} in JDBC batches of 200, each batch
     * committed (the seed's 200 rows / 5 s). The last tick of a ts wins by overwriting.
     */
    private double naive(final Instant start, final Instant end, final long generated) throws Exception
    {
        final long t0 = System.nanoTime();
        long ticks = 0;
        try (Connection read = db.connection(); Connection write = db.connection())
        {
            read.setAutoCommit(false);
            write.setAutoCommit(false);
            try (PreparedStatement select = read.prepareStatement("SELECT provider, symbol, ts, seq, price, size, bid, ask FROM tick_data " +
                     "WHERE provider = 'sigbench' AND ts >= ? AND ts < ? ORDER BY ts, symbol, seq");
                 PreparedStatement insert = write.prepareStatement("INSERT INTO signals_seed (provider, symbol, ts, name, value, metadata) " +
                     "VALUES (?, ?, ?, ?, ?, ?::jsonb) ON CONFLICT (provider, symbol, ts, name) DO UPDATE SET value = EXCLUDED.value, " +
                     "metadata = EXCLUDED.metadata"))
            {
                select.setFetchSize(10_000);
                select.setObject(1, OffsetDateTime.ofInstant(start, ZoneOffset.UTC));
                select.setObject(2, OffsetDateTime.ofInstant(end, ZoneOffset.UTC));
                final Map<String, double[]> vwap = new HashMap<>(); // symbol -> {day, sum(price*size), sum(size)}
                final Set<String> inBatch = new HashSet<>();
                int batched = 0;
                try (ResultSet rs = select.executeQuery())
                {
                    while (rs.next())
                    {
                        ticks++;
                        final String provider = rs.getString(1);
                        final String symbol = rs.getString(2);
                        final OffsetDateTime ts = rs.getObject(3, OffsetDateTime.class);
                        final double price = rs.getDouble(5);
                        final double size = rs.getDouble(6);
                        final double bid = rs.getDouble(7);
                        final boolean hasBid = !rs.wasNull();
                        final double ask = rs.getDouble(8);
                        final boolean hasAsk = !rs.wasNull();
                        final double day = Math.floorDiv(ts.toInstant().getEpochSecond(), 86_400L);
                        if (!inBatch.add(symbol + ts) && batched > 0)
                        {
                            // one statement may not touch a key twice: a second tick of the same ts goes in the next batch
                            insert.executeBatch();
                            write.commit();
                            batched = 0;
                            inBatch.clear();
                            inBatch.add(symbol + ts);
                        }
                        final double[] v = vwap.computeIfAbsent(symbol, k -> new double[] {day, 0, 0});
                        if (v[0] != day)
                        {
                            v[0] = day;
                            v[1] = 0;
                            v[2] = 0;
                        }
                        v[1] += price * size;
                        v[2] += size;
                        if (v[2] != 0)
                        {
                            final double w = v[1] / v[2];
                            batched += add(insert, provider, symbol, ts, "vwap_deviation_bps", (price - w) / w * 10_000, "{\"origin\": \"replay\", \"vwap\": " + w + "}");
                        }
                        if (hasBid && hasAsk && bid > 0 && ask > 0 && ask >= bid)
                        {
                            final double mid = (ask + bid) / 2;
                            batched += add(insert, provider, symbol, ts, "spread_bps", (ask - bid) / mid * 10_000, "{\"origin\": \"replay\", \"mid\": " + mid + "}");
                        }
                        if (batched >= 200)
                        {
                            insert.executeBatch();
                            write.commit();
                            batched = 0;
                            inBatch.clear();
                        }
                    }
                }
                if (batched > 0)
                {
                    insert.executeBatch();
                    write.commit();
                }
                read.commit();
            }
        }
        if (ticks != generated)
        {
            throw new IllegalStateException("the naive replayer read " + ticks + " ticks of " + generated);
        }
        return ticks * 1e9 / (System.nanoTime() - t0);
    }

    private static int add(final PreparedStatement insert, final String provider, final String symbol, final OffsetDateTime ts, final String name,
        final double value, final String metadata) throws SQLException
    {
        insert.setString(1, provider);
        insert.setString(2, symbol);
        insert.setObject(3, ts);
        insert.setString(4, name);
        insert.setDouble(5, value);
        insert.setString(6, metadata);
        insert.addBatch();
        return 1;
    }

    private static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }

    /** A one-day synthetic session (2025-11-03) of about {@code ticks} ticks for {@code provider}'s symbols, written to tick_data. */
    static long writeSession(final Database db, final String provider, final List<String> symbols, final long seed, final long ticks)
        throws SQLException
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider(provider).symbols(symbols).seed(seed)
            .startDate(LocalDate.of(2025, 11, 3));
        final long atOne = new SyntheticSession(new SyntheticSession.Context().provider(provider).symbols(symbols).ticksPerSecond(1.0)).expectedTicks();
        ctx.ticksPerSecond(ticks / (double)atOne);
        return new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }
}
