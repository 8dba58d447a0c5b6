package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.BusPublishStage;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayPipeline;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.LastPerTimestamp;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Signals from a database replay into the signals table: the key rule, idempotence, and a batch recomputation in SQL. */
class PgSignalWriterIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final long START = Micros.of(Instant.parse("2025-11-03T14:30:00Z"));
    private static final long END = Micros.of(Instant.parse("2025-11-03T16:00:00Z"));
    private static Database db;

    @BeforeAll
    static void generate() throws Exception
    {
        db = PostgresTestSupport.freshSchema("signals");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(3).seed(21);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static void replayWithSignals(final long runId, final int shards) throws Exception
    {
        final SymbolTable symbols = new SymbolTable(SYMBOLS);
        final List<ReplayPipeline.Stage> stages = new ArrayList<>();
        final List<PgSignalWriter> writers = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++)
        {
            final SignalSet set = SignalSet.of(List.of("all"), symbols.size());
            // straight COPY even on the re-run, whose keys all exist: the writer must fall back to the merge by itself
            final PgSignalWriter writer = new PgSignalWriter(db.dataSource(), "ibkr", symbols, set.calculators(), "replay", runId, 200, 5000, System::nanoTime)
                .direct(true);
            writers.add(writer);
            stages.add(new ReplayPipeline.Stage("signals-" + shard,
                new SignalShardStage(shard, shards, set, new LastPerTimestamp(set.calculators().size(), symbols.size(), writer))));
        }
        final TickBus nowhere = new TickBus()
        {
            @Override
            public void publish(final BusMessage message)
            {
            }
        };
        final ReplayPipeline pipeline = new ReplayPipeline(new ReplayPipeline.Context(),
            new PgTickSource(db.dataSource(), "ibkr", symbols, START, END, new PgTickSource.Options()), new ReplayControl(0),
            new BusPublishStage(nowhere, "ibkr", runId, symbols, new ReplayProgress(symbols.size())), stages);
        pipeline.start();
        final ReplayOutcome outcome = pipeline.awaitCompletion(120, TimeUnit.SECONDS);
        writers.forEach(PgSignalWriter::close);
        assertThat(outcome.status()).as(outcome.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(writers.stream().mapToLong(w -> w.written(0)).sum()).isPositive();
    }

    private static String query(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aReplayWritesEachKeyOnceFromTheLastTickOfItsTsAndARerunLeavesTheSameRows() throws Exception
    {
        replayWithSignals(7, 1);
        final String digest = "SELECT count(*) || ' ' || sum(value::numeric) || ' ' || count(DISTINCT name) FROM signals";
        final String first = query(digest);
        assertThat(query("SELECT count(DISTINCT name) FROM signals")).isEqualTo(String.valueOf(SignalSet.REGISTRY.size()));
        assertThat(query("SELECT count(*) FROM signals WHERE metadata->>'origin' = 'replay' AND metadata->>'replay_run_id' = '7'"))
            .isEqualTo(query("SELECT count(*) FROM signals"));

        // the stored spread of a tied ts is the last tick's (highest seq)
        final String mismatches = query(
            "WITH last AS (SELECT DISTINCT ON (symbol, ts) symbol, ts, (ask - bid) / ((ask + bid) / 2) * 10000 AS spread FROM tick_data " +
            " WHERE provider = 'ibkr' AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T16:00:00Z' ORDER BY symbol, ts, seq DESC) " +
            "SELECT count(*) FROM last JOIN signals s ON s.provider = 'ibkr' AND s.symbol = last.symbol AND s.ts = last.ts AND s.name = 'spread_bps' " +
            "WHERE abs(s.value - last.spread) > 1e-9 * greatest(1, abs(last.spread))");
        assertThat(mismatches).isEqualTo("0");
        assertThat(query("SELECT count(*) FROM tick_data t WHERE seq > 0 AND ts >= '2025-11-03T14:30:00Z' AND ts < '2025-11-03T16:00:00Z'"))
            .as("the data has ties to test the rule on").isNotEqualTo("0");

        // VWAP deviation equals PostgreSQL computing the same definition with window functions
        final String vwapMismatches = query(
            "WITH v AS (SELECT symbol, ts, seq, price, sum(price * size) OVER w / sum(size) OVER w AS vwap FROM tick_data " +
            " WHERE provider = 'ibkr' AND ts >= '2025-11-03T00:00:00Z' AND ts < '2025-11-03T16:00:00Z' " +
            " WINDOW w AS (PARTITION BY symbol ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)), " +
            "last AS (SELECT DISTINCT ON (symbol, ts) symbol, ts, (price - vwap) / vwap * 10000 AS dev FROM v ORDER BY symbol, ts, seq DESC) " +
            "SELECT count(*) || '/' || (SELECT count(*) FROM last) FROM last JOIN signals s ON s.symbol = last.symbol AND s.ts = last.ts " +
            "AND s.name = 'vwap_deviation_bps' WHERE abs(s.value - last.dev) > 1e-9 * greatest(1, abs(last.dev))");
        assertThat(vwapMismatches).startsWith("0/");

        replayWithSignals(8, 2);
        assertThat(query(digest)).isEqualTo(first);
        assertThat(query("SELECT count(*) FROM signals WHERE metadata->>'replay_run_id' = '7'")).isEqualTo("0");
    }
}
