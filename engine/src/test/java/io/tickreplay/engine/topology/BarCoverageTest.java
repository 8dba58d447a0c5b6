package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.ManualNanoClock;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.tick.Micros;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A run writes a bar, and the bar signals computed from it, only when it emitted every tick of the
 * bar's interval (docs/signals.md): a cancelled or seeked run, or a window that starts or ends inside
 * an interval, writes no partial bar. Each written bar and bar signal must equal the one a whole run writes.
 */
class BarCoverageTest
{
    private static final List<String> BAR_SIGNALS = List.of("rsi_14 ", "bb_zscore_20 ", "volume_profile ");

    private record Rows(ReplayOutcome outcome, List<String> bars, List<String> barSignals, List<String> tickSignals)
    {
    }

    /** A run of the session with every signal and bars; {@code onTick} is told each tick on the stages' side (it may seek or cancel). */
    private static Rows run(final ReplayTopology.ThreadingMode mode, final long start, final long end, final Consumer<Control> onTick)
        throws Exception
    {
        return run(mode, start, end, 1024, 0, onTick);
    }

    private static Rows run(final ReplayTopology.ThreadingMode mode, final long start, final long end, final int ringSize, final double speed,
        final Consumer<Control> onTick) throws Exception
    {
        final Session.Signals signals = new Session.Signals(Session.ALL);
        final Session.Bars bars = new Session.Bars();
        final boolean invoker = mode == ReplayTopology.ThreadingMode.INVOKER;
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(Session.source(end), Session.SYMBOLS).run("ibkr", 1)
            .bus(Session.NOWHERE).signals(List.of("all"), List.<SignalSink>of(signals)).bars(bars).threadingMode(mode).cores(64)
            .window(start, end).speed(speed).ticksRingSize(ringSize).batchSize(200).clock(invoker ? new ManualNanoClock(0) : NanoClock.SYSTEM).threadName("coverage");
        final ReplayTopology[] self = new ReplayTopology[1];
        ctx.tap(new ReplayTopology.Tap("driver", (e, s, endOfBatch) ->
        {
            if (e.type == TickEvent.TICK && !e.skipped)
            {
                onTick.accept(new Control(self[0], e.index, e.tsMicros));
            }
        }));
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(ctx))
        {
            self[0] = topology;
            if (invoker)
            {
                outcome = topology.run();
            }
            else
            {
                topology.start();
                outcome = topology.awaitCompletion(60, TimeUnit.SECONDS);
            }
        }
        final List<String> barSignals = new ArrayList<>();
        final List<String> tickSignals = new ArrayList<>();
        for (final String row : signals.rows)
        {
            (BAR_SIGNALS.stream().anyMatch(row::startsWith) ? barSignals : tickSignals).add(row);
        }
        return new Rows(outcome, Session.sorted(bars.rows), Session.sorted(barSignals), Session.sorted(tickSignals));
    }

    /** What the driver tap may do at a tick. */
    private record Control(ReplayTopology topology, long index, long ts)
    {
    }

    private static Rows whole;

    private static synchronized Rows whole() throws Exception
    {
        if (whole == null)
        {
            whole = run(ReplayTopology.ThreadingMode.INVOKER, Long.MIN_VALUE, Long.MAX_VALUE, c -> { });
        }
        return whole;
    }

    /** Every row of {@code part} is a row of {@code all} (hashed: the lists hold ~10^5 rows). */
    private static void assertSubset(final List<String> part, final List<String> all, final String what)
    {
        final java.util.Set<String> known = new java.util.HashSet<>(all);
        assertThat(part.stream().filter(r -> !known.contains(r)).limit(5).toList()).as(what + ": rows the whole run did not write").isEmpty();
    }

    private static long bucket(final String row)
    {
        return Long.parseLong(row.split(" ")[2]);
    }

    private static long lengthOf(final String barRow)
    {
        return switch (barRow.split(" ")[0])
        {
            case "1m" -> Micros.PER_MINUTE;
            case "5m" -> 5 * Micros.PER_MINUTE;
            default -> Micros.PER_HOUR;
        };
    }

    @Test
    void aCancelledRunWritesOnlyWholeBarsAndNoBarSignalAtAMinuteItNeverFinished() throws Exception
    {
        final List<Tick> ticks = Session.ticks();
        final long cancelAt = ticks.size() / 3;
        final long cancelTs = ticks.get((int)cancelAt).tsMicros;
        for (final ReplayTopology.ThreadingMode mode : ReplayTopology.ThreadingMode.values())
        {
            final Rows cut = run(mode, Long.MIN_VALUE, Long.MAX_VALUE, c ->
            {
                if (c.index() == cancelAt)
                {
                    c.topology().control().cancel();
                }
            });
            assertThat(cut.outcome().status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
            for (final String[] part : new String[][] {{"bars"}, {"bar signals"}, {"per-tick signals"}})
            {
                final List<String> rows = part[0].equals("bars") ? cut.bars() : part[0].equals("bar signals") ? cut.barSignals() : cut.tickSignals();
                final List<String> all = part[0].equals("bars") ? whole().bars() : part[0].equals("bar signals") ? whole().barSignals() : whole().tickSignals();
                assertThat(rows).as(mode + ": " + part[0]).isNotEmpty();
                assertSubset(rows, all, mode + ": " + part[0]);
            }
            // nothing over time the run did not emit: every bar ends by the last emitted tick
            final long lastEmitted = cut.outcome().lastTsMicros();
            assertThat(lastEmitted).isGreaterThanOrEqualTo(cancelTs);
            assertThat(cut.bars()).allSatisfy(r -> assertThat(bucket(r) + lengthOf(r)).isLessThanOrEqualTo(lastEmitted));
            assertThat(cut.barSignals()).allSatisfy(r -> assertThat(bucket(r) + Micros.PER_MINUTE).isLessThanOrEqualTo(lastEmitted));
        }
    }

    /**
     * The path the API's cancel tests missed: a window small enough for the ticks ring, so the source has
     * read all of it and put {@code END} (complete, as far as the source knew) into the ring before the
     * cancel comes. The stages must still see the run as cut at the last emitted tick.
     */
    @Test
    void aCancelAfterTheSourceHasReadTheWholeWindowWritesNoBarItDidNotEmitWhole() throws Exception
    {
        final List<Tick> ticks = Session.ticks();
        final int ring = Integer.highestOneBit(ticks.size()) << 2; // the whole session and its END fit
        final long cancelAt = ticks.size() / 3;
        for (final ReplayTopology.ThreadingMode mode : new ReplayTopology.ThreadingMode[] {ReplayTopology.ThreadingMode.DEDICATED,
            ReplayTopology.ThreadingMode.SHARED})
        {
            // paced (6.5 hours in about 2 s), as the Ctrl-C that found it was: the source is done long before the pacer
            final Rows cut = run(mode, Long.MIN_VALUE, Long.MAX_VALUE, ring, 10_000, c ->
            {
                if (c.index() == cancelAt)
                {
                    c.topology().control().cancel();
                }
            });
            assertThat(cut.outcome().status()).as(mode.name()).isEqualTo(ReplayOutcome.Status.CANCELLED);
            final long lastEmitted = cut.outcome().lastTsMicros();
            assertThat(lastEmitted).as(mode + ": cut before the end").isLessThan(ticks.get(ticks.size() - 1).tsMicros);
            assertThat(cut.bars()).as(mode + ": bars").isNotEmpty()
                .allSatisfy(r -> assertThat(bucket(r) + lengthOf(r)).as(r).isLessThanOrEqualTo(lastEmitted));
            assertThat(cut.barSignals()).as(mode + ": bar signals")
                .allSatisfy(r -> assertThat(bucket(r) + Micros.PER_MINUTE).as(r).isLessThanOrEqualTo(lastEmitted));
            assertThat(cut.tickSignals()).as(mode + ": per-tick signals").allSatisfy(r -> assertThat(bucket(r)).isLessThanOrEqualTo(lastEmitted));
            assertSubset(cut.bars(), whole().bars(), mode + ": bars");
            assertSubset(cut.barSignals(), whole().barSignals(), mode + ": bar signals");
        }
    }

    /**
     * The stored row of a ts is the one computed at its last tick: a run cut between two ticks of one
     * symbol and ts must not write the value after the first as that ts's row.
     */
    @Test
    void aCancelBetweenTwoTicksOfOneTsWritesNoRowForThatTs() throws Exception
    {
        final List<Tick> ticks = Session.ticks();
        int tie = -1;
        for (int i = ticks.size() / 2; i < ticks.size() - 1 && tie < 0; i++)
        {
            if (ticks.get(i).tsMicros == ticks.get(i + 1).tsMicros && ticks.get(i).symbol.equals(ticks.get(i + 1).symbol))
            {
                tie = i;
            }
        }
        assertThat(tie).as("the session has ties").isPositive();
        final long cutAt = tie;
        final long tiedTs = ticks.get(tie).tsMicros;
        final Rows cut = run(ReplayTopology.ThreadingMode.INVOKER, Long.MIN_VALUE, Long.MAX_VALUE, c ->
        {
            if (c.index() == cutAt)
            {
                c.topology().control().cancel();
            }
        });
        assertThat(cut.outcome().lastTsMicros()).isEqualTo(tiedTs);
        assertSubset(cut.tickSignals(), whole().tickSignals(), "per-tick signals");
        final String symbol = " " + ticks.get(tie).symbol + " " + tiedTs + " ";
        assertThat(cut.tickSignals()).noneMatch(r -> r.contains(symbol));
        assertThat(whole().tickSignals()).anyMatch(r -> r.contains(symbol));
    }

    @Test
    void aSeekForwardWritesNoBarOverTheTimeItSkipped() throws Exception
    {
        final List<Tick> ticks = Session.ticks();
        final long seekAt = ticks.size() / 4;
        final long from = ticks.get((int)seekAt).tsMicros;
        final long target = from + 7 * Micros.PER_MINUTE + 13 * Micros.PER_SECOND;
        final Rows seeked = run(ReplayTopology.ThreadingMode.INVOKER, Long.MIN_VALUE, Long.MAX_VALUE, c ->
        {
            if (c.index() == seekAt)
            {
                c.topology().control().seek(target);
            }
        });
        assertThat(seeked.outcome().status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertSubset(seeked.bars(), whole().bars(), "bars");
        assertSubset(seeked.barSignals(), whole().barSignals(), "barSignals");
        assertThat(seeked.bars()).noneMatch(r -> bucket(r) < target && bucket(r) + lengthOf(r) > from);
        assertThat(seeked.barSignals()).noneMatch(r -> bucket(r) < target && bucket(r) + Micros.PER_MINUTE > from);
        // and the bars wholly after the gap are all there
        final List<String> after = whole().bars().stream().filter(r -> bucket(r) >= target).toList();
        assertThat(after).isNotEmpty();
        assertSubset(after, seeked.bars(), "bars after the gap");
    }

    @Test
    void aWindowThatStartsAndEndsInsideIntervalsWritesExactlyTheBarsItCovers() throws Exception
    {
        final long day = Math.floorDiv(Session.ticks().get(0).tsMicros, Micros.PER_DAY) * Micros.PER_DAY;
        final long start = day + 15 * Micros.PER_HOUR + 2 * Micros.PER_MINUTE + 30 * Micros.PER_SECOND;
        final long end = day + 16 * Micros.PER_HOUR + 17 * Micros.PER_MINUTE + 30 * Micros.PER_SECOND;
        final Rows window = run(ReplayTopology.ThreadingMode.INVOKER, start, end, c -> { });
        assertThat(window.outcome().status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> covered = whole().bars().stream().filter(r -> bucket(r) >= start && bucket(r) + lengthOf(r) <= end).toList();
        assertThat(covered).anyMatch(r -> r.startsWith("1m ")).anyMatch(r -> r.startsWith("5m ")).noneMatch(r -> r.startsWith("1h "));
        assertThat(window.bars()).containsExactlyElementsOf(covered);
        final List<String> coveredSignals = whole().barSignals().stream()
            .filter(r -> bucket(r) >= start && bucket(r) + Micros.PER_MINUTE <= end).toList();
        assertThat(coveredSignals).isNotEmpty();
        assertThat(window.barSignals()).containsExactlyElementsOf(coveredSignals);
    }
}
