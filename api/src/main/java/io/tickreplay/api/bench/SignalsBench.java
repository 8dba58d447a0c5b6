package io.tickreplay.api.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
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
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("sigbench").symbols(SYMBOLS).seed(13)
            .startDate(LocalDate.of(2025, 11, 3));
        final long atOne = new SyntheticSession(new SyntheticSession.Context().provider("sigbench").symbols(SYMBOLS).ticksPerSecond(1.0)).expectedTicks();
        ctx.ticksPerSecond(ticks / (double)atOne);
        final long generated = new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        final Instant start = Instant.parse("2025-11-03T00:00:00Z");
        final Instant end = Instant.parse("2025-11-04T00:00:00Z");
        execute("VACUUM ANALYZE tick_data");
        System.out.printf(Locale.ROOT, "bench signals: %,d ticks of %d symbols; persisting vwap_deviation_bps and spread_bps%n", generated, SYMBOLS.size());

        // (b) tickreplay: burst replay with the two signals written to the signals table
        execute("TRUNCATE signals");
        final double replayRate;
        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(1_000_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(),
                 new ReplayService.Config(2, false, workDir.resolve("journal"), 1 << 16, "backoff", 8192, 262_144, 1000, 0)))
        {
            final ReplayRun run = service.start(ReplayRequest.fromDatabase("sigbench", SYMBOLS, start, end, 0.0)
                .withSignals(List.of("vwap_deviation_bps", "spread_bps")));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            replayRate = outcome.ticksPerSecond();
        }
        final long rows = count("SELECT count(*) FROM signals");
        execute("CREATE TEMP TABLE IF NOT EXISTS signals_replayed AS SELECT * FROM signals WITH NO DATA");
        execute("TRUNCATE signals_replayed");
        execute("INSERT INTO signals_replayed SELECT * FROM signals");

        // (c) the physical limit: PostgreSQL's COPY of the same rows into an empty copy of the table
        final Path rowsFile = workDir.resolve("signal-rows.bin");
        Files.createDirectories(workDir);
        try (Connection c = db.connection(); OutputStream out = Files.newOutputStream(rowsFile))
        {
            c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY signals TO STDOUT (FORMAT binary)", out);
        }
        execute("DROP TABLE IF EXISTS signals_copy_target");
        execute("CREATE TABLE signals_copy_target (LIKE signals INCLUDING ALL)");
        final long t0 = System.nanoTime();
        try (Connection c = db.connection(); InputStream in = Files.newInputStream(rowsFile))
        {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY signals_copy_target FROM STDIN (FORMAT binary)", in, 1 << 16);
        }
        final double copyInRowsPerSecond = rows * 1e9 / (System.nanoTime() - t0);
        execute("DROP TABLE signals_copy_target");
        Files.deleteIfExists(rowsFile);

        // (d) PostgreSQL computing the same two signals itself, keeping the last tick of each ts
        execute("TRUNCATE signals");
        final long t1 = System.nanoTime();
        execute("INSERT INTO signals (provider, symbol, ts, name, value, metadata) " +
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

        final long mismatches = count("SELECT count(*) FROM signals s FULL JOIN signals_replayed r USING (provider, symbol, ts, name) " +
            "WHERE s.value IS NULL OR r.value IS NULL OR abs(s.value - r.value) > 1e-9 * greatest(1, abs(s.value))");
        if (mismatches != 0)
        {
            throw new IllegalStateException(mismatches + " signal rows differ between the replay and PostgreSQL's own computation");
        }
        execute("TRUNCATE signals");

        final double replayRowsPerSecond = replayRate * rows / generated;
        System.out.printf(Locale.ROOT, "bench signals: the replay and PostgreSQL wrote the same %,d rows%n", rows);
        System.out.printf(Locale.ROOT, "  %-58s %12s ticks/s (%s rows/s)%n", "replay, burst, 2 signals persisted (tickreplay)", rate(replayRate), rate(replayRowsPerSecond));
        System.out.printf(Locale.ROOT, "  %-58s %12s ticks/s   replay = %.2fx%n", "PostgreSQL computing them itself (window functions)", rate(postgresRate),
            replayRate / postgresRate);
        System.out.printf(Locale.ROOT, "  %-58s %12s rows/s    replay = %.2fx%n", "PostgreSQL COPY-in of the same rows (limit)", rate(copyInRowsPerSecond),
            replayRowsPerSecond / copyInRowsPerSecond);

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
        return out;
    }

    private void execute(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
    }

    private long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }
}
