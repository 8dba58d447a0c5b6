package io.tickreplay.engine.replay;

import io.tickreplay.engine.bus.BusMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReplayPipelineTest
{
    private static final SymbolTable SYMBOLS = new SymbolTable(List.of("AAPL", "MSFT", "NVDA"));

    private static ReplayPipeline pipeline(final TickBatchSource source, final ReplayControl control, final RecordingBus bus,
        final NanoClock clock, final List<ReplayPipeline.Stage> stages)
    {
        final BusPublishStage publisher = new BusPublishStage(bus, "ibkr", 42, SYMBOLS, new ReplayProgress(SYMBOLS.size()));
        return new ReplayPipeline(new ReplayPipeline.Context().ringSize(64).batchSize(16).clock(clock), source, control, publisher, stages);
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
    void emitsEveryTickInOrderAsTheSeedsReplayMessage()
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(1000, 3, 1000);
        final RecordingBus bus = new RecordingBus();
        final ListTickSource source = new ListTickSource(ticks);
        final ReplayOutcome outcome = pipeline(source, new ReplayControl(0), bus, new ManualNanoClock(0), List.of()).runOnCallingThread();

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
        final ReplayPipeline threaded = pipeline(new ListTickSource(ticks, 1000, Integer.MAX_VALUE), new ReplayControl(0), bus, NanoClock.SYSTEM, List.of());
        threaded.start();
        final ReplayOutcome outcome = threaded.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome).isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(outcome.checksum()).isEqualTo(checksumOf(ticks));
        assertThat(bus.messages).hasSize(ticks.size());
    }

    @Test
    void pacesTicksAtTheirOriginalGapsDividedBySpeed()
    {
        for (final double speed : new double[] {1.0, 10.0, 0.5})
        {
            final List<ListTickSource.T> ticks = ListTickSource.ticks(300, 3, 1500);
            final List<long[]> emitted = Collections.synchronizedList(new ArrayList<>());
            final ReplayPipeline.Stage recorder = new ReplayPipeline.Stage("recorder", (e, s, end) ->
            {
                if (e.type == TickEvent.TICK && !e.skipped)
                {
                    emitted.add(new long[] {e.tsMicros, e.emitNanos, e.scheduledNanos});
                }
            });
            final ManualNanoClock clock = new ManualNanoClock(1_000_000_000L);
            final ReplayOutcome outcome = pipeline(new ListTickSource(ticks), new ReplayControl(speed), new RecordingBus(), clock, List.of(recorder))
                .runOnCallingThread();
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
    void burstModeNeverWaits()
    {
        final ManualNanoClock clock = new ManualNanoClock(5);
        final ReplayOutcome outcome = pipeline(new ListTickSource(ListTickSource.ticks(500, 3, 1_000_000)), new ReplayControl(0), new RecordingBus(),
            clock, List.of()).runOnCallingThread();
        assertThat(outcome.ticks()).isEqualTo(500);
        assertThat(clock.nanoTime()).isEqualTo(5);
    }

    @Test
    void aSeekSkipsTicksBeforeTheTargetAndStartsPacingAfresh()
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(600, 3, 1000);
        final long target = ticks.get(300).ts();
        final ReplayControl control = new ReplayControl(1.0);
        control.seek(target);
        final RecordingBus bus = new RecordingBus();
        final ManualNanoClock clock = new ManualNanoClock(0);
        pipeline(new ListTickSource(ticks), control, bus, clock, List.of()).runOnCallingThread();
        assertThat(bus.messages).isNotEmpty().allSatisfy(m -> assertThat(m.tsMicros).isGreaterThanOrEqualTo(target));
        assertThat(bus.messages.get(0).tsMicros).isEqualTo(target);
        assertThat(bus.messages).hasSize((int)ticks.stream().filter(t -> t.ts() >= target).count());
        // paced from the first tick after the seek, not from the start of the window
        assertThat(clock.nanoTime()).isEqualTo((ticks.get(ticks.size() - 1).ts() - target) * 1000);
    }

    @Test
    void aFailingSourceFailsTheRunAfterEmittingEverythingItRead()
    {
        final List<ListTickSource.T> ticks = ListTickSource.ticks(1000, 3, 1000);
        final RecordingBus bus = new RecordingBus();
        final ReplayOutcome outcome = pipeline(new ListTickSource(ticks, 7, 400), new ReplayControl(0), bus, new ManualNanoClock(0), List.of())
            .runOnCallingThread();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        assertThat(outcome.errorMessage()).isEqualTo("source: the database went away");
        assertThat(bus.messages).hasSize(400);
        assertThat(outcome.ticks()).isEqualTo(400);
        assertThat(outcome.checksum()).isEqualTo(checksumOf(ticks.subList(0, 400)));
    }

    @Test
    void aFailingStageFailsTheRunWithItsNameAndStopsTheRest() throws Exception
    {
        final ReplayPipeline.Stage broken = new ReplayPipeline.Stage("signals", (e, s, end) ->
        {
            if (e.type == TickEvent.TICK && e.index == 100)
            {
                throw new IllegalStateException("disk full");
            }
        });
        final ReplayPipeline p = pipeline(new ListTickSource(ListTickSource.ticks(100_000, 3, 10), 100, Integer.MAX_VALUE), new ReplayControl(0),
            new RecordingBus(), NanoClock.SYSTEM, List.of(broken));
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
        final ReplayControl control = new ReplayControl(1.0);
        final RecordingBus bus = new RecordingBus();
        final ReplayPipeline p = pipeline(new ListTickSource(ticks, 50, Integer.MAX_VALUE), control, bus, NanoClock.SYSTEM, List.of());
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
        final ReplayControl control = new ReplayControl(1.0);
        final RecordingBus bus = new RecordingBus();
        final ReplayPipeline p = pipeline(new ListTickSource(ticks), control, bus, NanoClock.SYSTEM, List.of());
        p.start();
        waitFor(() -> bus.messages.size() >= 1);
        control.setSpeed(0);
        final ReplayOutcome outcome = p.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome).as("burst after the change finishes the run").isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(outcome.ticks()).isEqualTo(ticks.size());
    }

    @Test
    void controlsRefuseNonsense()
    {
        assertThatThrownBy(() -> new ReplayControl(-1)).hasMessageContaining("speed");
        assertThatThrownBy(() -> new ReplayControl(Double.POSITIVE_INFINITY)).hasMessageContaining("speed");
        final ReplayControl control = new ReplayControl(1);
        assertThatThrownBy(() -> control.setSpeed(Double.NaN)).hasMessageContaining("speed");
        control.seek(100);
        assertThatThrownBy(() -> control.seek(50)).hasMessageContaining("forward");
        assertThatThrownBy(() -> new ReplayPipeline.Context().ringSize(1000).conclude(3)).hasMessageContaining("power of two");
        assertThatThrownBy(() -> new ReplayPipeline.Context().waitStrategy("busy-spin").cores(2).conclude(3)).hasMessageContaining("busy");
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
