package io.tickreplay.engine.signals;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.BusPublishStage;
import io.tickreplay.engine.replay.ManualNanoClock;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayPipeline;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SignalShardStageTest
{
    private static final List<String> NAMES = List.of("AAPL", "AMZN", "MSFT", "NVDA", "TSLA");

    /** A synthetic session, in replay order, held in memory. */
    private static List<Tick> session()
    {
        final List<Tick> ticks = new ArrayList<>();
        new SyntheticSession(new SyntheticSession.Context().symbols(NAMES).ticksPerSecond(0.5).seed(3))
            .run(t -> ticks.add(new Tick().copyFrom(t)), f -> { });
        ticks.sort((a, b) -> a.tsMicros != b.tsMicros ? Long.compare(a.tsMicros, b.tsMicros)
            : !a.symbol.equals(b.symbol) ? a.symbol.compareTo(b.symbol) : Integer.compare(a.seq, b.seq));
        return ticks;
    }

    private static TickBatchSource source(final List<Tick> ticks, final SymbolTable symbols)
    {
        return new TickBatchSource()
        {
            private int next;

            @Override
            public boolean next(final TickBatch batch)
            {
                while (!batch.full() && next < ticks.size())
                {
                    final Tick t = ticks.get(next++);
                    batch.add(symbols.id(t.symbol), t.tsMicros, t.seq, t.price, t.size, t.bid, t.ask, t.bidSize, t.askSize);
                }
                return batch.count > 0;
            }

            @Override
            public void close()
            {
            }
        };
    }

    /** Every signal row a run produced, as sortable text, for any number of shards. */
    private static List<String> rows(final int shards, final boolean threaded) throws Exception
    {
        final SymbolTable symbols = new SymbolTable(NAMES);
        final List<String> rows = Collections.synchronizedList(new ArrayList<>());
        final List<ReplayPipeline.Stage> stages = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++)
        {
            final SignalSet set = SignalSet.of(List.of("all"), symbols.size());
            stages.add(new ReplayPipeline.Stage("signals-" + shard, new SignalShardStage(shard, shards, set, new SignalShardStage.Sink()
            {
                @Override
                public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
                    final double m2, final double m3)
                {
                    rows.add(set.calculators().get(signalId).name() + " " + symbols.name(symbolId) + " " + ts + " " + seq + " " +
                        Double.doubleToLongBits(value) + " " + Double.doubleToLongBits(m1));
                }

                @Override
                public void endOfBatch()
                {
                }

                @Override
                public void endOfStream()
                {
                }
            })));
        }
        final TickBus nowhere = new TickBus()
        {
            @Override
            public void publish(final BusMessage message)
            {
            }
        };
        final ReplayPipeline pipeline = new ReplayPipeline(new ReplayPipeline.Context().ringSize(1024).batchSize(500).clock(new ManualNanoClock(0)),
            source(session(), symbols), new ReplayControl(0), new BusPublishStage(nowhere, "ibkr", 1, symbols, new ReplayProgress(symbols.size())), stages);
        final ReplayOutcome outcome;
        if (threaded)
        {
            pipeline.start();
            outcome = pipeline.awaitCompletion(60, TimeUnit.SECONDS);
        }
        else
        {
            outcome = pipeline.runOnCallingThread();
        }
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> sorted = new ArrayList<>(rows);
        Collections.sort(sorted);
        return sorted;
    }

    @Test
    void theOutputIsIdenticalForOneTwoAndFourShards() throws Exception
    {
        final List<String> one = rows(1, false);
        assertThat(one).hasSizeGreaterThan(10_000);
        assertThat(one).anyMatch(r -> r.startsWith("rsi_14 ")).anyMatch(r -> r.startsWith("bb_zscore_20 ")).anyMatch(r -> r.startsWith("tick_rate_zscore "));
        assertThat(rows(2, true)).containsExactlyElementsOf(one);
        assertThat(rows(4, true)).containsExactlyElementsOf(one);
    }
}
