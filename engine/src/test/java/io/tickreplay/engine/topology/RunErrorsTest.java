package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.signals.SignalSink;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's error handler counts each stage's errors by stage and kind, fails the run at the first and tells its listener. */
class RunErrorsTest
{
    private record Told(String stage, String kind)
    {
    }

    private static ReplayTopology failing(final ReplayTopology.ThreadingMode mode, final List<Told> told, final RuntimeException orError)
    {
        final Throwable[] toThrow = {orError};
        return new ReplayTopology(new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 1).bus(Session.NOWHERE)
            .signals(List.of("all"), List.<SignalSink>of(new Session.Signals(Session.ALL))).threadingMode(mode).cores(64).ticksRingSize(1024)
            .errors((stage, kind, error) -> told.add(new Told(stage, kind)))
            .tap(new ReplayTopology.Tap("probe", (e, s, end) ->
            {
                if (e.type == TickEvent.TICK && e.index == 1000)
                {
                    throw (RuntimeException)toThrow[0];
                }
            })));
    }

    @Test
    void aStagesErrorIsCountedByStageAndRootCauseAndFailsTheRun() throws Exception
    {
        for (final ReplayTopology.ThreadingMode mode : ReplayTopology.ThreadingMode.values())
        {
            final List<Told> told = new CopyOnWriteArrayList<>();
            try (ReplayTopology topology = failing(mode, told, new IllegalStateException("writing: disk gone", new UncheckedIOException(new IOException("EIO")))))
            {
                final ReplayOutcome outcome = mode == ReplayTopology.ThreadingMode.INVOKER ? topology.run()
                    : startAndAwait(topology);
                assertThat(outcome.status()).as(mode.name()).isEqualTo(ReplayOutcome.Status.FAILED);
                assertThat(outcome.errorMessage()).isEqualTo("probe: writing: disk gone");
                assertThat(topology.errors().counts()).isEqualTo(Map.of("probe/IOException", 1L));
                assertThat(told).containsExactly(new Told("probe", "IOException"));
            }
        }
    }

    @Test
    void anErrorOfTheJvmIsCountedLikeAnyOther() throws Exception
    {
        final List<Told> told = new CopyOnWriteArrayList<>();
        // an Error thrown by a stage ends the run as failed, never stuck
        try (ReplayTopology t = new ReplayTopology(new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 2)
            .bus(Session.NOWHERE).threadingMode(ReplayTopology.ThreadingMode.DEDICATED).cores(64).ticksRingSize(1024)
            .errors((stage, kind, error) -> told.add(new Told(stage, kind)))
            .tap(new ReplayTopology.Tap("probe", (e, s, end) ->
            {
                if (e.type == TickEvent.TICK && e.index == 10)
                {
                    throw new StackOverflowError("deep");
                }
            }))))
        {
            final ReplayOutcome outcome = startAndAwait(t);
            assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.FAILED);
            assertThat(t.errors().counts()).isEqualTo(Map.of("probe/StackOverflowError", 1L));
            assertThat(told).containsExactly(new Told("probe", "StackOverflowError"));
        }
    }

    @Test
    void aWriterThatRunsOutOfMemoryEndsTheRunAsFailedInsteadOfLeavingItWaiting() throws Exception
    {
        final List<Told> told = new CopyOnWriteArrayList<>();
        for (final ReplayTopology.ThreadingMode mode : new ReplayTopology.ThreadingMode[] {ReplayTopology.ThreadingMode.DEDICATED,
            ReplayTopology.ThreadingMode.SHARED})
        {
            told.clear();
            // a small signals ring: the shard fills it while the writer is gone, and must still reach its end
            try (ReplayTopology t = new ReplayTopology(new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 3)
                .bus(Session.NOWHERE).signals(List.of("all"), List.of(dyingSink())).threadingMode(mode).cores(64).ticksRingSize(1024).signalsRingSize(64)
                .errors((stage, kind, error) -> told.add(new Told(stage, kind)))))
            {
                final ReplayOutcome outcome = startAndAwait(t);
                assertThat(outcome.status()).as(mode.name()).isEqualTo(ReplayOutcome.Status.FAILED);
                assertThat(outcome.errorMessage()).isEqualTo("signals-0: java.lang.OutOfMemoryError: Java heap space");
                assertThat(told).containsExactly(new Told("signals-0", "OutOfMemoryError"));
            }
        }
    }

    /** A signals sink whose 5,000th value finds no memory left. */
    private static SignalSink dyingSink()
    {
        return new SignalSink()
        {
            private long values;

            @Override
            public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                if (++values == 5000)
                {
                    throw new OutOfMemoryError("Java heap space");
                }
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
            }
        };
    }

    private static ReplayOutcome startAndAwait(final ReplayTopology topology) throws InterruptedException
    {
        topology.start();
        final ReplayOutcome outcome = topology.awaitCompletion(60, TimeUnit.SECONDS);
        assertThat(outcome).as("the run ended").isNotNull();
        return outcome;
    }
}
