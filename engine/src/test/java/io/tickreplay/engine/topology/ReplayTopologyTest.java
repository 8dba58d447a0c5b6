package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.ListTickSource;
import io.tickreplay.engine.replay.ManualNanoClock;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.RecordingBus;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.StreamChecksum;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.replay.TickEvent;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.signals.SignalSink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayTopologyTest
{
    private static final SymbolTable SYMBOLS = new SymbolTable(List.of("AAPL", "MSFT", "NVDA"));

    private static ReplayTopology.Context context(final TickBatchSource source, final double speed, final RecordingBus bus, final NanoClock clock,
        final ReplayTopology.ThreadingMode mode)
    {
        return new ReplayTopology.Context().source(source, SYMBOLS).run("ibkr", 42).bus(bus).speed(speed).ticksRingSize(64).batchSize(16)
            .clock(clock).threadingMode(mode);
    }

    private static ReplayTopology invoker(final TickBatchSource source, final double speed, final RecordingBus bus, final NanoClock clock)
    {
        return new ReplayTopology(context(source, speed, bus, clock, ReplayTopology.ThreadingMode.INVOKER));
    }

    private static ReplayTopology threaded(final TickBatchSource source, final double speed, final RecordingBus bus)
    {
        return new ReplayTopology(context(source, speed, bus, NanoClock.SYSTEM, ReplayTopology.ThreadingMode.DEDICATED).cores(64));
    }

    private static long checksumOf(final List<ListTickSource.T> ticks)
    {
        final StreamChecksum sum = new StreamChecksum(SYMBOLS);
        for (final ListTickSource.T t : ticks)
        {
            sum.add(t.symbol(), t.ts(), t.seq(), t.price(), t.size(), t.price() - 0.01, t.price() + 0.01, 100, 200);
        }
        return sum.value();
    }

    @Test
    void emitsEveryTickInOrderAsTheSeedsReplayMessage() throws Exception
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(1000, 3, 1000);
        final RecordingBus bus = new RecordingBus();
        final ListTickSource source = new ListTickSource(ticks);
        final ReplayOutcome outcome = invoker(source, 0, bus, new ManualNanoClock(0)).run();

        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(outcome.ticks()).isEqualTo(1000);
        assertThat(outcome.checksum()).isEqualTo(checksumOf(ticks));
        assertThat(bus.messages).hasSize(1000);
        final BusMessage first = bus.messages.get(0);
        assertThat(first.provider).isEqualTo("ibkr");
        assertThat(first.symbol).isEqualTo("AAPL");
        assertThat(first.origin).isEqualTo(BusMessage.ORIGIN_REPLAY);
        assertThat(first.replayRunId).isEqualTo(42);
        for (int i = 0; i < ticks.size(); i++)
        {
            assertThat(bus.messages.get(i).tsMicros).isEqualTo(ticks.get(i).ts());
            assertThat(bus.messages.get(i).symbol).isEqualTo(SYMBOLS.name(ticks.get(i).symbol()));
            assertThat(bus.messages.get(i).seq).isEqualTo(ticks.get(i).seq());
        }
        assertThat(source.closed).isTrue();
    }

    @Test
    void threadsGiveTheSameStreamAsOneThread() throws Exception
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(50_000, 3, 10);
        final RecordingBus bus = new RecordingBus();
        final ReplayTopology threaded = threaded(new ListTickSource(ticks, 1000, Integer.MAX_VALUE), 0, bus);
        threaded.start();
        final ReplayOutcome outcome = threaded.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome).isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(outcome.checksum()).isEqualTo(checksumOf(ticks));
        assertThat(bus.messages).hasSize(ticks.size());
    }

    @Test
    void pacesTicksAtTheirOriginalGapsDividedBySpeed() throws Exception
    {
        for (final double speed : new double[] {1.0, 10.0, 0.5})
        {
            final List<ListTickSource.T> ticks = ListTickSource.ticks(300, 3, 1500);
            final List<long[]> emitted = Collections.synchronizedList(new ArrayList<>());
            final ReplayTopology.Tap recorder = new ReplayTopology.Tap("recorder", (e, s, end) ->
            {
                if (e.type == TickEvent.TICK && !e.skipped)
                {
                    emitted.add(new long[] {e.tsMicros, e.emitNanos, e.scheduledNanos});
                }
            });
            final ManualNanoClock clock = new ManualNanoClock(1_000_000_000L);
            final ReplayOutcome outcome = new ReplayTopology(context(new ListTickSource(ticks), speed, new RecordingBus(), clock,
                ReplayTopology.ThreadingMode.INVOKER).tap(recorder)).run();
            assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
            final long[] first = emitted.get(0);
            for (final long[] e : emitted)
            {
                assertThat(e[1] - first[1]).isEqualTo((long)((e[0] - first[0]) * 1000 / speed));
                assertThat(e[1]).isEqualTo(e[2]); // a manual clock lands exactly on time: no lag
            }
        }
    }

    @Test
    void burstModeNeverWaits() throws Exception
    {
        final ManualNanoClock clock = new ManualNanoClock(5);
        final ReplayOutcome outcome = invoker(new ListTickSource(ListTickSource.ticks(500, 3, 1_000_000)), 0, new RecordingBus(), clock).run();
        assertThat(outcome.ticks()).isEqualTo(500);
        assertThat(clock.nanoTime()).isEqualTo(5);
    }

    @Test
    void aSeekSkipsTicksBeforeTheTargetAndStartsPacingAfresh() throws Exception
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(600, 3, 1000);
        final long target = ticks.get(300).ts();
        final RecordingBus bus = new RecordingBus();
        final ManualNanoClock clock = new ManualNanoClock(0);
        final ReplayTopology topology = invoker(new ListTickSource(ticks), 1.0, bus, clock);
        topology.control().seek(target);
        topology.run();
        assertThat(bus.messages).isNotEmpty().allSatisfy(m -> assertThat(m.tsMicros).isGreaterThanOrEqualTo(target));
        assertThat(bus.messages.get(0).tsMicros).isEqualTo(target);
        assertThat(bus.messages).hasSize((int)ticks.stream().filter(t -> t.ts() >= target).count());
        // paced from the first tick after the seek, not from the start of the window
        assertThat(clock.nanoTime()).isEqualTo((ticks.get(ticks.size() - 1).ts() - target) * 1000);
    }

    @Test
    void aFailingSourceFailsTheRunAfterEmittingEverythingItRead() throws Exception
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(1000, 3, 1000);
        final RecordingBus bus = new RecordingBus();
        final ReplayOutcome outcome = invoker(new ListTickSource(ticks, 7, 400), 0, bus, new ManualNanoClock(0)).run();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        assertThat(outcome.errorMessage()).isEqualTo("source: the database went away");
        assertThat(bus.messages).hasSize(400);
        assertThat(outcome.ticks()).isEqualTo(400);
        assertThat(outcome.checksum()).isEqualTo(checksumOf(ticks.subList(0, 400)));
    }

    @Test
    void aFailingStageFailsTheRunWithItsNameAndStopsTheRest() throws Exception
    {
        final ReplayTopology.Tap broken = new ReplayTopology.Tap("signals", (e, s, end) ->
        {
            if (e.type == TickEvent.TICK && e.index == 100)
            {
                throw new IllegalStateException("disk full");
            }
        });
        final ReplayTopology p = new ReplayTopology(context(new ListTickSource(ListTickSource.ticks(100_000, 3, 10), 100, Integer.MAX_VALUE), 0,
            new RecordingBus(), NanoClock.SYSTEM, ReplayTopology.ThreadingMode.DEDICATED).cores(64).tap(broken));
        p.start();
        final ReplayOutcome outcome = p.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        assertThat(outcome.errorMessage()).isEqualTo("signals: disk full");
        assertThat(outcome.ticks()).isLessThan(100_000);
    }

    @Test
    void pauseHoldsEmissionResumeGoesOnAndCancelEnds() throws Exception
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(3000, 3, 1000);
        final RecordingBus bus = new RecordingBus();
        final ReplayTopology p = threaded(new ListTickSource(ticks, 50, Integer.MAX_VALUE), 1.0, bus);
        final ReplayControl control = p.control();
        p.start();
        waitFor(() -> bus.messages.size() > 10);
        control.pause();
        Thread.sleep(50);
        final int atPause = bus.messages.size();
        Thread.sleep(300);
        assertThat(bus.messages.size()).as("nothing is emitted while paused").isEqualTo(atPause);
        control.resume();
        waitFor(() -> bus.messages.size() > atPause + 10);
        control.cancel();
        final ReplayOutcome outcome = p.awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        assertThat(outcome.ticks()).isEqualTo(bus.messages.size()).isLessThan(ticks.size());
        for (int i = 0; i < bus.messages.size(); i++)
        {
            assertThat(bus.messages.get(i).tsMicros).isEqualTo(ticks.get(i).ts()); // a prefix: nothing skipped, nothing lost
        }
    }

    @Test
    void aSpeedChangeTakesEffectWhileWaitingForATick() throws Exception
    {
        // ticks a minute apart at 1x: the run would take an hour
        final List<ListTickSource.T> ticks = ListTickSource.ticks(60, 3, 60_000_000);
        final RecordingBus bus = new RecordingBus();
        final ReplayTopology p = threaded(new ListTickSource(ticks), 1.0, bus);
        final ReplayControl control = p.control();
        p.start();
        waitFor(() -> bus.messages.size() >= 1);
        control.setSpeed(0);
        final ReplayOutcome outcome = p.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome).as("burst after the change finishes the run").isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(outcome.ticks()).isEqualTo(ticks.size());
    }

    @Test
    void theSlowestSpeedOverTheLongestGapStillObeysItsControls() throws Exception
    {
        // ticks 300 years apart at the slowest speed: due 10^23 ns ahead, more than a long holds
        final List<ListTickSource.T> ticks = ListTickSource.ticks(3, 1, 10_000_000_000_000_000L);
        final RecordingBus bus = new RecordingBus();
        final ReplayTopology p = threaded(new ListTickSource(ticks), ReplayControl.MIN_SPEED, bus);
        final ReplayControl control = p.control();
        p.start();
        waitFor(() -> bus.messages.size() >= 1);
        control.pause();
        control.resume();
        control.setSpeed(ReplayControl.MIN_SPEED * 2);
        Thread.sleep(50);
        assertThat(bus.messages).as("the next tick is centuries away").hasSize(1);
        control.cancel();
        final ReplayOutcome outcome = p.awaitCompletion(30, TimeUnit.SECONDS);
        assertThat(outcome).as("a cancel ends the run however far its next tick is").isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        assertThat(outcome.ticks()).isEqualTo(1);
    }

    @Test
    void controlsRefuseNonsense()
    {
        assertThatThrownBy(() -> new ReplayControl(-1)).hasMessageContaining("speed");
        assertThatThrownBy(() -> new ReplayControl(Double.POSITIVE_INFINITY)).hasMessageContaining("speed");
        final ReplayControl control = new ReplayControl(1);
        assertThatThrownBy(() -> control.setSpeed(Double.NaN)).hasMessageContaining("speed");
        assertThatThrownBy(() -> control.setSpeed(1e-15)).hasMessageContaining("at least 0.001");
        assertThatThrownBy(() -> new ReplayControl(ReplayControl.MIN_SPEED / 2)).hasMessageContaining("at least 0.001");
        control.seek(100);
        assertThatThrownBy(() -> control.seek(50)).hasMessageContaining("forward");
        assertThatThrownBy(() -> new ReplayTopology.Context().ticksRingSize(1000).conclude()).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ReplayTopology.Context().signalsRingSize(3).conclude()).hasMessageContaining("signals ring size");
        assertThatThrownBy(() -> new ReplayTopology.Context().speed(-1).conclude()).hasMessageContaining("speed");
        assertThatThrownBy(() -> new ReplayTopology.Context().speed(Double.NaN).conclude()).hasMessageContaining("speed");
        assertThatThrownBy(() -> new ReplayTopology.Context().signals(List.of("all"), List.of(SignalSink.DISCARD, SignalSink.DISCARD, SignalSink.DISCARD))
            .conclude()).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ReplayTopology.Context().signals(List.of("nope"), List.of(SignalSink.DISCARD))).hasMessageContaining("unknown signal");
        assertThatThrownBy(() -> new ReplayTopology.Context().window(10, 10).conclude()).hasMessageContaining("end");
        // the wait strategy is checked against the threads the run really starts, source and writers included
        assertThat(new ReplayTopology.Context().waitStrategy("busy-spin").cores(2).threadingMode(ReplayTopology.ThreadingMode.INVOKER).conclude()
            .threadCount()).isEqualTo(1);
        assertThatThrownBy(() -> new ReplayTopology.Context().waitStrategy("busy-spin").cores(1).conclude()).hasMessageContaining("busy");
        final ReplayTopology.Context four = new ReplayTopology.Context().waitStrategy("yielding").cores(4)
            .signals(List.of("all"), List.of(SignalSink.DISCARD, SignalSink.DISCARD));
        assertThat(four.conclude().threadCount()).isEqualTo(4); // source, pacer, two shards: DEDICATED fits
        // two writers: DEDICATED would start 6 threads, SHARED (chosen) still starts 4, more than 3 cores
        final ReplayTopology.Context writers = new ReplayTopology.Context().waitStrategy("yielding").cores(3)
            .signals(List.of("all"), List.of(SignalSink.dropping(), SignalSink.dropping()));
        assertThatThrownBy(writers::conclude).hasMessageContaining("starts 4 threads (SHARED");
        assertThat(new ReplayTopology.Context().signals(List.of("all"), List.of(SignalSink.dropping(), SignalSink.dropping()))
            .cores(2).conclude().threadingMode()).isEqualTo(ReplayTopology.ThreadingMode.SHARED);
        assertThat(new ReplayTopology.Context().signals(List.of("all"), List.of(SignalSink.dropping(), SignalSink.dropping()))
            .cores(8).conclude().threadingMode()).isEqualTo(ReplayTopology.ThreadingMode.DEDICATED);
    }

    private static void waitFor(final java.util.function.BooleanSupplier condition) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                throw new AssertionError("condition not met within 30 s");
            }
            Thread.sleep(1);
        }
    }
}
