package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.ManualNanoClock;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.signals.SignalSink;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Every threading mode and shard count gives the same stream and the same signal and bar rows. */
class ThreadingModesTest
{
    private record Run(ReplayOutcome outcome, List<String> signals, List<String> bars, int ends)
    {
    }

    private static Run run(final ReplayTopology.ThreadingMode mode, final int shards) throws Exception
    {
        final List<Session.Signals> sinks = new ArrayList<>();
        for (int k = 0; k < shards; k++)
        {
            sinks.add(new Session.Signals(Session.ALL));
        }
        final Session.Bars bars = new Session.Bars();
        final boolean invoker = mode == ReplayTopology.ThreadingMode.INVOKER;
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(Session.source(), Session.SYMBOLS).run("ibkr", 1)
            .bus(Session.NOWHERE).signals(List.of("all"), List.<SignalSink>copyOf(sinks)).bars(bars).threadingMode(mode).cores(64)
            .ticksRingSize(8192).signalsRingSize(8192).barsRingSize(256).batchSize(2048).clock(invoker ? new ManualNanoClock(0) : NanoClock.SYSTEM)
            .threadName("modes-" + mode + "-" + shards);
        final ReplayOutcome outcome;
        try (ReplayTopology topology = new ReplayTopology(ctx))
        {
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
        assertThat(outcome).isNotNull();
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> signals = new ArrayList<>();
        sinks.forEach(s -> signals.addAll(s.rows));
        return new Run(outcome, Session.sorted(signals), Session.sorted(bars.rows), sinks.stream().mapToInt(s -> s.ends).sum());
    }

    @Test
    void everyModeAndShardCountGivesTheSameChecksumSignalRowsAndBars() throws Exception
    {
        final Run reference = run(ReplayTopology.ThreadingMode.INVOKER, 1);
        assertThat(reference.outcome().ticks()).isEqualTo(Session.ticks().size());
        assertThat(reference.signals()).hasSizeGreaterThan(10_000);
        long bySymbol = 0;
        for (int s = 0; s < Session.SYMBOLS.size(); s++)
        {
            bySymbol += reference.outcome().digests().ticks(s);
        }
        assertThat(bySymbol).as("the symbols' digests count every emitted tick").isEqualTo(reference.outcome().ticks());
        assertThat(reference.signals()).anyMatch(r -> r.startsWith("rsi_14 ")).anyMatch(r -> r.startsWith("bb_zscore_20 "))
            .anyMatch(r -> r.startsWith("tick_rate_zscore ")).anyMatch(r -> r.startsWith("volume_profile "));
        assertThat(reference.bars()).anyMatch(r -> r.startsWith("1m ")).anyMatch(r -> r.startsWith("5m ")).anyMatch(r -> r.startsWith("1h "));
        for (final ReplayTopology.ThreadingMode mode : ReplayTopology.ThreadingMode.values())
        {
            for (final int shards : new int[] {1, 2, 4})
            {
                final Run run = run(mode, shards);
                assertThat(run.outcome().checksumHex()).as(mode + " x" + shards).isEqualTo(reference.outcome().checksumHex());
                assertThat(run.outcome().ticks()).as(mode + " x" + shards).isEqualTo(reference.outcome().ticks());
                for (int s = 0; s < Session.SYMBOLS.size(); s++)
                {
                    assertThat(run.outcome().digests().checksum(s)).as(mode + " x" + shards + " symbol " + s)
                        .isEqualTo(reference.outcome().digests().checksum(s));
                    assertThat(run.outcome().digests().ticks(s)).isEqualTo(reference.outcome().digests().ticks(s));
                }
                assertThat(run.signals()).as(mode + " x" + shards).containsExactlyElementsOf(reference.signals());
                assertThat(run.bars()).as(mode + " x" + shards).containsExactlyElementsOf(reference.bars());
                assertThat(run.ends()).as("every sink sees the end once").isEqualTo(shards);
            }
        }
    }

    @Test
    void aFinishedRunLeavesNoThreadBehind() throws Exception
    {
        for (final ReplayTopology.ThreadingMode mode : List.of(ReplayTopology.ThreadingMode.DEDICATED, ReplayTopology.ThreadingMode.SHARED))
        {
            run(mode, 2);
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("modes-" + mode + "-2") && t.isAlive());
        }
    }
}
