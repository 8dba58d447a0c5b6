package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.topology.ReplayTopology;
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
        replayWithSignals(runId, shards, SignalMetadata.Mode.FULL);
    }

    private static void replayWithSignals(final long runId, final int shards, final SignalMetadata.Mode metadata) throws Exception
    {
        final SymbolTable symbols = new SymbolTable(SYMBOLS);
        final List<PgSignalWriter> writers = new ArrayList<>();
        final List<io.tickreplay.engine.signals.SignalSink> sinks = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++)
        {
            // straight COPY even on the re-run, whose keys all exist: the writer must fall back to the merge by itself
            final PgSignalWriter writer = new PgSignalWriter(db.dataSource(), "ibkr", symbols, SignalSet.of(List.of("all"), 1).calculators(),
                runId, 200, 5000, System::nanoTime).direct(true).metadata(metadata);
            writers.add(writer);
            sinks.add(writer);
        }
        final TickBus nowhere = new TickBus()
        {
            @Override
            public void publish(final BusMessage message)
            {
            }
        };
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(new ReplayTopology.Context()
            .source(new PgTickSource(db.dataSource(), "ibkr", symbols, START, END, new PgTickSource.Options()), symbols).run("ibkr", runId)
            .bus(nowhere).window(START, END).signals(List.of("all"), sinks)))
        {
            topology.start();
            outcome = topology.awaitCompletion(120, TimeUnit.SECONDS);
        }
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
        final String digest = "SELECT count(*) || ' ' || sum(value::numeric) || ' ' || count(DISTINCT name) FROM signals WHERE run_id = ";
        final String first = query(digest + 7);
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

        // another run over the same window writes its own rows beside run 7's, which stay as they were (docs/runs.md)
        replayWithSignals(8, 2);
        assertThat(query(digest + 8)).isEqualTo(first);
        assertThat(query(digest + 7)).isEqualTo(first);
        assertThat(query("SELECT count(*) FROM signals WHERE metadata->>'replay_run_id' = '7'")).isEqualTo(first.split(" ")[0]);
        // the same run again, every key there already: its straight COPY falls back to the merge, and the rows stay the same
        replayWithSignals(7, 2);
        assertThat(query(digest + 7)).isEqualTo(first);
        assertThat(query("SELECT count(*) FROM signal_rows_r7")).isEqualTo(first.split(" ")[0]);
    }

    @Test
    void metadataHoldsTheExplainingNumbersOnlyTheRunOrNothingAsConfigured() throws Exception
    {
        replayWithSignals(9, 2, SignalMetadata.Mode.FULL);
        assertThat(query("SELECT count(*) FROM signals WHERE name = 'vwap_deviation_bps' AND NOT metadata ? 'vwap'")).isEqualTo("0");
        // the numbers written in place (15 significant digits) are the vwap PostgreSQL computes for the same ticks
        final String vwapMismatches = query(
            "WITH v AS (SELECT symbol, ts, seq, sum(price * size) OVER w / sum(size) OVER w AS vwap FROM tick_data " +
            " WHERE provider = 'ibkr' AND ts >= '2025-11-03T00:00:00Z' AND ts < '2025-11-03T16:00:00Z' " +
            " WINDOW w AS (PARTITION BY symbol ORDER BY ts, seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)), " +
            "last AS (SELECT DISTINCT ON (symbol, ts) symbol, ts, vwap FROM v ORDER BY symbol, ts, seq DESC) " +
            "SELECT count(*) || '/' || (SELECT count(*) FROM last) FROM last JOIN signals s ON s.symbol = last.symbol AND s.ts = last.ts " +
            "AND s.name = 'vwap_deviation_bps' WHERE abs((s.metadata->>'vwap')::float8 - last.vwap) > 1e-12 * last.vwap");
        assertThat(vwapMismatches).startsWith("0/").doesNotEndWith("/0");
        assertThat(query("SELECT metadata->>'origin' || ' ' || (metadata->>'replay_run_id') FROM signals WHERE run_id = 9 LIMIT 1")).isEqualTo("replay 9");

        // run and none store no explaining numbers: the metadata is the run's alone (made from the row's partition)
        replayWithSignals(10, 2, SignalMetadata.Mode.RUN);
        assertThat(query("SELECT count(*) FROM signals WHERE run_id = 10 AND metadata <> '{\"origin\": \"replay\", \"replay_run_id\": 10}'::jsonb"))
            .isEqualTo("0");
        assertThat(query("SELECT count(*) FROM signal_rows_r10 WHERE m1 IS NOT NULL OR m2 IS NOT NULL OR m3 IS NOT NULL")).isEqualTo("0");

        replayWithSignals(11, 1, SignalMetadata.Mode.NONE);
        assertThat(query("SELECT count(*) FROM signal_rows_r11 WHERE m1 IS NOT NULL OR m2 IS NOT NULL OR m3 IS NOT NULL")).isEqualTo("0");
        assertThat(query("SELECT count(DISTINCT name) FROM signals WHERE run_id = 11")).isEqualTo(String.valueOf(SignalSet.REGISTRY.size()));
    }
}
