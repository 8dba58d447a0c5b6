package io.tickreplay.adapters.live;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The seed's live consumers on the in-process bus, writing to a real PostgreSQL. */
class LiveConsumersIT
{
    private static Database db;

    @BeforeAll
    static void start()
    {
        db = PostgresTestSupport.freshSchema("live");
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private static long query(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void liveTicksAreStoredInArrivalOrderAndSignalsComputedFromLiveAndReplayedTicks() throws Exception
    {
        final List<Tick> ticks = new ArrayList<>();
        new SyntheticSession(new SyntheticSession.Context().provider("live").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(0.5).seed(4))
            .run(t -> ticks.add(new Tick().copyFrom(t)), f -> { });
        ticks.sort(Comparator.comparingLong((Tick t) -> t.tsMicros).thenComparing(t -> t.symbol).thenComparingInt(t -> t.seq));
        try (InProcessBus bus = new InProcessBus(1 << 12, new SleepingWaitStrategy()))
        {
            final TickConsumer tickConsumer = TickConsumer.start(bus, db.dataSource(), 200, 5000);
            final SignalConsumer signalConsumer = SignalConsumer.start(bus, db.dataSource(), "live", List.of("vwap_deviation_bps", "spread_bps"), 16, 200, 5000);
            final BusMessage m = new BusMessage();
            for (final Tick t : ticks)
            {
                bus.publish(m.live(t)); // seq 0: the consumer numbers ties in arrival order
            }
            // a replayed tick of another day: signals take it, tick_data does not (it came from there)
            m.tsMicros = ticks.get(0).tsMicros + 86_400_000_000L;
            m.origin = BusMessage.ORIGIN_REPLAY;
            m.replayRunId = 99;
            bus.publish(m);
            tickConsumer.close();
            signalConsumer.close();
            assertThat(tickConsumer.failure()).isNull();
            assertThat(signalConsumer.failure()).isNull();
            assertThat(tickConsumer.written()).isEqualTo(ticks.size());
        }

        // the checks below join tables just written: without statistics the planner may pick a nested loop of
        // seq scans that runs for minutes (it did, after MigrationsIT, before autovacuum had looked at them)
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("ANALYZE tick_data");
            s.execute("ANALYZE signals");
        }
        assertThat(query("SELECT count(*) FROM tick_data WHERE provider = 'live'")).isEqualTo(ticks.size());
        // arrival order numbers ties exactly as the session did
        final long ties = ticks.stream().filter(t -> t.seq > 0).count();
        assertThat(ties).isPositive();
        assertThat(query("SELECT count(*) FROM tick_data WHERE provider = 'live' AND seq > 0")).isEqualTo(ties);
        assertThat(query("SELECT count(*) FROM tick_data WHERE ts >= '2025-11-04T00:00:00Z'")).isZero();

        assertThat(query("SELECT count(*) FROM signals WHERE provider = 'live' AND metadata->>'origin' = 'live'")).isPositive();
        assertThat(query("SELECT count(*) FROM signals WHERE metadata->>'origin' = 'replay' AND metadata->>'replay_run_id' = '99'")).isEqualTo(2);
        // one row per (symbol, ts), from the last tick of the ts
        assertThat(query("SELECT count(*) FROM signals WHERE name = 'vwap_deviation_bps' AND metadata->>'origin' = 'live'"))
            .isEqualTo(query("SELECT count(DISTINCT (symbol, ts)) FROM tick_data WHERE provider = 'live'"));
        assertThat(query("WITH last AS (SELECT DISTINCT ON (symbol, ts) symbol, ts, (ask - bid) / ((ask + bid) / 2) * 10000 AS spread FROM tick_data " +
            " WHERE provider = 'live' ORDER BY symbol, ts, seq DESC) SELECT count(*) FROM last JOIN signals s ON s.provider = 'live' " +
            " AND s.symbol = last.symbol AND s.ts = last.ts AND s.name = 'spread_bps' WHERE abs(s.value - last.spread) > 1e-9 * greatest(1, abs(last.spread))"))
            .isZero();
    }
}
