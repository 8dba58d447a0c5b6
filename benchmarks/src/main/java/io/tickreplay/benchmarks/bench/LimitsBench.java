package io.tickreplay.benchmarks.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.SignalStore;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolTable;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The server's own limit for a replay that persists signals, side by side with the replay, per
 * {@code signals.metadata} mode: a burst replay writing {@code vwap_deviation_bps} and
 * {@code spread_bps} to the signals table on two shards (two writer connections), then the same
 * PostgreSQL doing the same I/O with no engine at all: the ticks of the window COPYed out in replay
 * order on one connection while the very rows the replay wrote (captured in memory, split by the
 * shard rule) are COPYed back into the emptied signals table over as many connections as the
 * replay has writers, all at once. The ratio is replay ticks/s over limit ticks/s (the same ticks
 * and the same rows on both sides).
 */
public final class LimitsBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
    private static final List<String> SIGNALS = List.of("vwap_deviation_bps", "spread_bps");
    private static final int SHARDS = 2;

    private final Database db;
    private final Path workDir;
    private final int rounds;

    public LimitsBench(final Database db, final Path workDir, final int rounds)
    {
        this.db = db;
        this.workDir = workDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        final long generated = SignalsBench.writeSession(db, "limbench", SYMBOLS, 17, ticks);
        final Instant start = Instant.parse("2025-11-03T00:00:00Z");
        final Instant end = Instant.parse("2025-11-04T00:00:00Z");
        BenchSql.execute(db, "VACUUM ANALYZE tick_data");
        System.out.printf(Locale.ROOT, "bench limits: %,d ticks of %d symbols; a burst replay persisting %s on %d shards against PostgreSQL " +
            "COPYing the ticks out and the same rows in over %d connections at once%n", generated, SYMBOLS.size(), String.join(" and ", SIGNALS), SHARDS, SHARDS);
        System.out.printf(Locale.ROOT, "  %-9s %12s %14s %16s %16s %8s %8s%n", "metadata", "signal rows", "replay ticks/s", "replay rows/s", "limit rows/s", "ratio",
            "B/row");
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        out.put("signals", SIGNALS);
        out.put("writer_connections", SHARDS);
        out.put("rounds", rounds);
        for (final SignalMetadata.Mode mode : SignalMetadata.Mode.values())
        {
            double bestReplay = 0;
            double bestLimit = 0;
            long rows = 0;
            double bytesPerRow = 0;
            final List<Double> replays = new ArrayList<>();
            final List<Double> limits = new ArrayList<>();
            for (int round = 0; round < rounds; round++)
            {
                BenchSql.execute(db, "TRUNCATE signal_rows, bars_ohlcv");
                BenchSql.execute(db, "CHECKPOINT"); // each side starts without the other's dirty pages to write
                final ReplayRun run = replay(mode, start, end);
                final double replay = run.done().join().ticksPerSecond();
                final String partition = SignalStore.partitionName(run.runId());
                rows = BenchSql.count(db, "SELECT count(*) FROM " + partition);
                BenchSql.execute(db, "VACUUM ANALYZE " + partition); // the visibility map and free space map, as a table at rest has them
                bytesPerRow = BenchSql.count(db, "SELECT pg_total_relation_size('" + partition + "')") / (double)Math.max(1, rows);
                final byte[][] captured = capture(partition);
                BenchSql.execute(db, "TRUNCATE signal_rows");
                BenchSql.execute(db, "CHECKPOINT");
                final double limitSeconds = limit(start, end, generated, captured, partition);
                if (BenchSql.count(db, "SELECT count(*) FROM " + partition) != rows)
                {
                    throw new IllegalStateException("the limit run stored another number of rows than the replay wrote");
                }
                final double limit = generated / limitSeconds;
                replays.add(replay);
                limits.add(limit);
                bestReplay = Math.max(bestReplay, replay);
                bestLimit = Math.max(bestLimit, limit);
            }
            BenchSql.execute(db, "TRUNCATE signal_rows, bars_ohlcv");
            final double ratio = bestReplay / bestLimit;
            final double perTick = rows / (double)generated;
            System.out.printf(Locale.ROOT, "  %-9s %,12d %,14.0f %,16.0f %,16.0f %7.2fx %8.1f%n", mode.name().toLowerCase(Locale.ROOT), rows, bestReplay,
                bestReplay * perTick, bestLimit * perTick, ratio, bytesPerRow);
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("signal_rows", rows);
            m.put("bytes_per_signal_row", Math.round(bytesPerRow * 10) / 10.0);
            m.put("replay_ticks_per_s", replays.stream().map(Math::round).toList());
            m.put("limit_ticks_per_s", limits.stream().map(Math::round).toList());
            m.put("replay_rows_per_s_best", Math.round(bestReplay * perTick));
            m.put("limit_rows_per_s_best", Math.round(bestLimit * perTick));
            m.put("ratio_replay_to_limit", Math.round(ratio * 1000) / 1000.0);
            out.put(mode.name().toLowerCase(Locale.ROOT), m);
        }
        return out;
    }

    /** A completed replay persisting the signals (its outcome is done). */
    private ReplayRun replay(final SignalMetadata.Mode mode, final Instant start, final Instant end) throws Exception
    {
        try (InProcessBus bus = new InProcessBus(1 << 16, new BackoffWaitStrategy(1_000_000));
             ReplayService service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(1).journal(false)
                 .journalDir(workDir.resolve("journal")).metricsRetentionMinutes(0).shards(SHARDS).signalMetadata(mode)))
        {
            final ReplayRun run = service.start(ReplayRequest.fromDatabase("limbench", SYMBOLS, start, end, 0.0).withSignals(SIGNALS));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            return run;
        }
    }

    /** The rows the replay wrote, in binary COPY form, one buffer per shard (the engine's rule: symbol id & (shards - 1)). */
    private byte[][] capture(final String partition) throws Exception
    {
        final SymbolTable table = new SymbolTable(SYMBOLS);
        final byte[][] parts = new byte[SHARDS][];
        for (int shard = 0; shard < SHARDS; shard++)
        {
            final List<String> mine = new ArrayList<>();
            for (final String s : SYMBOLS)
            {
                if ((table.id(s) & (SHARDS - 1)) == shard)
                {
                    mine.add("'" + s + "'");
                }
            }
            final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1 << 20);
            try (Connection c = db.connection())
            {
                c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT " + SignalStore.COLUMNS + " FROM " + partition + " WHERE key_id IN " +
                    "(SELECT id FROM series_keys WHERE provider = 'limbench' AND symbol IN (" + String.join(",", mine) + ")) ORDER BY ts) TO STDOUT (FORMAT binary)",
                    buffer);
            }
            parts[shard] = buffer.toByteArray();
        }
        return parts;
    }

    /** Seconds for PostgreSQL to COPY the window's ticks out in replay order while the captured rows are COPYed in, all at once. */
    private double limit(final Instant start, final Instant end, final long expected, final byte[][] parts, final String partition) throws Exception
    {
        final ExecutorService pool = Executors.newFixedThreadPool(1 + parts.length);
        try
        {
            final List<Future<?>> tasks = new ArrayList<>();
            final long t0 = System.nanoTime();
            tasks.add(pool.submit(() ->
            {
                try (Connection c = db.connection())
                {
                    final CopyOut op = c.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (SELECT symbol, ts, seq, price, size, bid, ask, bid_size, " +
                        "ask_size FROM tick_data WHERE provider = 'limbench' AND ts >= '" + start + "' AND ts < '" + end +
                        "' ORDER BY ts, symbol, seq) TO STDOUT (FORMAT binary)");
                    long rows = -2;
                    while (op.readFromCopy() != null)
                    {
                        rows++;
                    }
                    if (rows < expected - 2 || rows > expected + 2)
                    {
                        throw new IllegalStateException("COPY out returned " + rows + " rows, expected " + expected);
                    }
                }
                return null;
            }));
            for (final byte[] part : parts)
            {
                tasks.add(pool.submit(() ->
                {
                    try (Connection c = db.connection())
                    {
                        c.setAutoCommit(false);
                        c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + partition + " (" + SignalStore.COLUMNS + ") FROM STDIN (FORMAT binary)",
                            new ByteArrayInputStream(part), 1 << 16);
                        c.commit();
                    }
                    return null;
                }));
            }
            for (final Future<?> task : tasks)
            {
                task.get();
            }
            return (System.nanoTime() - t0) / 1e9;
        }
        finally
        {
            pool.shutdownNow();
        }
    }
}
