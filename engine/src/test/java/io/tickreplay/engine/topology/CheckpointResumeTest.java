package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.SignalSink;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run that dies after checkpoints, resumed from its last one, ends with the checksum, tick count,
 * signal rows and bars of a run that never stopped: the writers' upsert over the same keys makes the
 * rows written after the checkpoint harmless, and the bars open at the checkpoint are rebuilt from
 * the ticks read again before it.
 */
class CheckpointResumeTest
{
    /** A table keyed as {@code signals} and {@code bars_ohlcv} are: rows become visible only when committed. */
    static final class Table implements SignalSink, BarSink
    {
        final Map<String, String> committed = new TreeMap<>();
        private final Map<String, String> pending = new TreeMap<>();

        @Override
        public synchronized void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
            final double m2, final double m3)
        {
            pending.put(Session.ALL.get(signalId) + " " + Session.SYMBOLS.name(symbolId) + " " + ts, Double.doubleToLongBits(value) + " " +
                Double.doubleToLongBits(m1));
        }

        @Override
        public synchronized void bar(final int symbolId, final long interval, final long start, final double open, final double high,
            final double low, final double close, final double volume, final long trades, final double vwap)
        {
            pending.put(BarBuilder.intervalName(interval) + " " + Session.SYMBOLS.name(symbolId) + " " + start,
                open + " " + high + " " + low + " " + close + " " + volume + " " + trades + " " + vwap);
        }

        @Override
        public void endOfBatch()
        {
        }

        @Override
        public synchronized void endOfStream()
        {
            committed.putAll(pending);
            pending.clear();
        }

        @Override
        public void checkpoint(final long id, final CheckpointBarrier barrier)
        {
            endOfStream();
            barrier.ack(id);
        }

        synchronized Map<String, String> rows()
        {
            return new TreeMap<>(committed);
        }
    }

    /** The session's ticks, failing (the process dying) after {@code failAfter} of them. */
    private static TickBatchSource failingAfter(final int failAfter)
    {
        final TickBatchSource all = Session.source();
        return new TickBatchSource()
        {
            private int read;

            @Override
            public boolean next(final TickBatch batch) throws Exception
            {
                if (read >= failAfter)
                {
                    throw new IllegalStateException("killed");
                }
                final boolean more = all.next(batch);
                read += batch.count;
                return more;
            }

            @Override
            public void close()
            {
            }
        };
    }

    /** Half a microsecond of run time per reading: a burst run in INVOKER mode passes many checkpoint intervals. */
    private static final class CountingClock implements NanoClock
    {
        private long now;

        @Override
        public long nanoTime()
        {
            return now += 500;
        }

        @Override
        public long waitUntil(final long deadline, final long maxWaitNanos)
        {
            return nanoTime();
        }
    }

    private record Run(ReplayOutcome outcome, List<ReplayCheckpoint> checkpoints)
    {
    }

    private static Run run(final ReplayTopology.ThreadingMode mode, final TickBatchSource source, final Table table, final ReplayCheckpoint from)
        throws Exception
    {
        final List<ReplayCheckpoint> checkpoints = new CopyOnWriteArrayList<>();
        final boolean invoker = mode == ReplayTopology.ThreadingMode.INVOKER;
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(source, Session.SYMBOLS).run("ibkr", 7)
            .bus(Session.NOWHERE).signals(List.of("all"), List.of(table, table)).bars(table).threadingMode(mode).cores(64)
            .ticksRingSize(1024).signalsRingSize(1024).barsRingSize(256).batchSize(512)
            .clock(invoker ? new CountingClock() : NanoClock.SYSTEM)
            .checkpoints(checkpoints::add, invoker ? 2_000_000 : 100_000).resumeFrom(from).threadName("checkpoint-" + mode);
        try (ReplayTopology topology = new ReplayTopology(ctx))
        {
            if (invoker)
            {
                return new Run(topology.run(), checkpoints);
            }
            topology.start();
            return new Run(topology.awaitCompletion(60, TimeUnit.SECONDS), checkpoints);
        }
    }

    @Test
    void aRunKilledAfterACheckpointAndResumedFromItEndsAsOneThatNeverStopped() throws Exception
    {
        for (final ReplayTopology.ThreadingMode mode : List.of(ReplayTopology.ThreadingMode.INVOKER, ReplayTopology.ThreadingMode.DEDICATED))
        {
            final Table whole = new Table();
            final Run reference = run(mode, Session.source(), whole, null);
            assertThat(reference.outcome().status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
            assertThat(reference.checkpoints()).as(mode + ": checkpoints taken").isNotEmpty();

            final Table table = new Table();
            final int killedAfter = Session.ticks().size() * 2 / 3;
            final Run killed = run(mode, failingAfter(killedAfter), table, null);
            assertThat(killed.outcome().status()).isEqualTo(ReplayOutcome.Status.FAILED);
            final ReplayCheckpoint last = killed.checkpoints().get(killed.checkpoints().size() - 1);
            assertThat(last.ticks()).isPositive().isLessThanOrEqualTo(killedAfter);
            // everything up to the checkpoint's time was emitted, nothing after it
            assertThat(Session.ticks().stream().filter(t -> t.tsMicros <= last.lastTsMicros()).count()).isEqualTo(last.ticks());
            assertThat(table.rows().size()).as("rows past the checkpoint exist").isGreaterThan(0);

            final Run resumed = run(mode, Session.source(), table, last);
            assertThat(resumed.outcome().status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
            assertThat(resumed.outcome().ticks()).as(mode + " ticks").isEqualTo(reference.outcome().ticks());
            assertThat(resumed.outcome().checksumHex()).as(mode + " checksum").isEqualTo(reference.outcome().checksumHex());
            assertThat(resumed.outcome().firstTsMicros()).isEqualTo(reference.outcome().firstTsMicros());
            assertThat(table.rows()).as(mode + " signal and bar rows").containsExactlyEntriesOf(whole.rows());
            assertThat(resumed.checkpoints()).allMatch(c -> c.ticks() > last.ticks());
        }
    }

    @Test
    void checkpointsChangeNeitherTheStreamNorTheRows() throws Exception
    {
        final Table with = new Table();
        final Run checkpointed = run(ReplayTopology.ThreadingMode.INVOKER, Session.source(), with, null);
        final Session.Signals plain = new Session.Signals(Session.ALL);
        final Session.Bars bars = new Session.Bars();
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 7)
            .bus(Session.NOWHERE).signals(List.of("all"), List.of(plain)).bars(bars).threadingMode(ReplayTopology.ThreadingMode.INVOKER)
            .clock(new CountingClock())))
        {
            outcome = topology.run();
        }
        assertThat(checkpointed.checkpoints().size()).isGreaterThan(10);
        assertThat(checkpointed.outcome().checksumHex()).isEqualTo(outcome.checksumHex());
        final java.util.Set<String> keys = new java.util.HashSet<>();
        for (final String row : plain.rows)
        {
            final String[] f = row.split(" ");
            keys.add(f[0] + " " + f[1] + " " + f[2]);
        }
        assertThat(plain.rows).hasSize(keys.size()); // each key once, as the table gets it
        final java.util.Set<String> tableKeys = new java.util.HashSet<>(with.rows().keySet());
        assertThat(tableKeys.containsAll(keys)).isTrue();
        assertThat(tableKeys).hasSize(keys.size() + bars.rows.size());
    }

    @Test
    void aPacedRunRecordsItsFirstCheckpointAnIntervalIntoItsEmissionNotARingLater() throws Exception
    {
        // at 1x on a clock that jumps to each due time, ten seconds of the clock are ten seconds of ticks; the
        // source fills the 1,024-tick ring (about 400 s of this session) long before the pacer emits them
        final List<ReplayCheckpoint> checkpoints = new CopyOnWriteArrayList<>();
        final Table table = new Table();
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 7)
            .bus(Session.NOWHERE).signals(List.of("all"), List.of(table, table)).bars(table).threadingMode(ReplayTopology.ThreadingMode.DEDICATED)
            .cores(64).ticksRingSize(1024).signalsRingSize(1024).barsRingSize(256).batchSize(512).speed(1.0)
            .clock(new io.tickreplay.engine.replay.ManualNanoClock(0)).checkpoints(checkpoints::add, 10_000_000_000L).threadName("checkpoint-paced");
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(ctx))
        {
            topology.start();
            outcome = topology.awaitCompletion(120, TimeUnit.SECONDS);
        }
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(checkpoints).isNotEmpty();
        final ReplayCheckpoint first = checkpoints.get(0);
        assertThat(first.lastTsMicros() - first.firstTsMicros()).as("stream time before the first checkpoint, micros")
            .isBetween(10_000_000L, 30_000_000L);
    }
}
