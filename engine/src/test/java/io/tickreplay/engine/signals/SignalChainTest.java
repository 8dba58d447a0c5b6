package io.tickreplay.engine.signals;

import io.tickreplay.engine.replay.TickEvent;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chain passes on finite values only: a tick the import takes (a price of 1e308) overflows a VWAP, and no NaN reaches a sink.
 * And the key rule read literally (docs/signals.md): the row of a (symbol, ts, per-tick signal) is the one computed at the ts's
 * last accepted tick, or none when that tick computes none.
 */
class SignalChainTest
{
    static final long T0 = 1_762_180_200_000_000L;
    static final double NONE = Double.NaN;

    /** A sink that writes each row as {@code name symbol@ts#seq=value}. */
    private static final class Rows implements SignalSink
    {
        final List<String> rows = new ArrayList<>();
        List<String> names = List.of();

        @Override
        public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
            final double m2, final double m3)
        {
            rows.add(names.get(signalId) + " " + symbolId + "@" + (tsMicros - T0) + "#" + seq + "=" + value);
        }

        @Override
        public void endOfBatch()
        {
        }

        @Override
        public void endOfStream()
        {
        }

        List<String> named(final String name)
        {
            return rows.stream().filter(r -> r.startsWith(name + " ")).toList();
        }
    }

    private static SignalChain chain(final Rows rows, final String... signals)
    {
        final SignalChain chain = SignalChain.context().signals(List.of(signals)).symbols(2).sink(rows).build();
        rows.names = chain.calculators().stream().map(SignalCalculator::name).toList();
        return chain;
    }

    @Test
    void aCrossedBookAtTheLastTickOfATimestampLeavesItWithoutASpreadRow()
    {
        final Rows rows = new Rows();
        final SignalChain chain = chain(rows, "all");
        chain.onTick(0, T0, 0, 100, 1, 99.9, 100.1, 10, 30);      // a good book: a spread, an imbalance
        chain.onTick(0, T0, 1, 100, 1, 100.2, 100.1, 0, 0);       // the same ts, crossed, sizes 0 and 0: neither
        chain.onTick(1, T0, 0, 50, 1, 49.9, 50.1, 1, 1);          // another symbol at that ts keeps its own row
        chain.onTick(0, T0 + 1, 0, 100, 1, 99.95, 100.05, 3, 1);  // the next ts has its rows
        chain.end();
        assertThat(rows.named("spread_bps")).containsExactlyInAnyOrder("spread_bps 1@0#0=" + spread(49.9, 50.1), "spread_bps 0@1#0=" + spread(99.95, 100.05));
        assertThat(rows.named("book_imbalance")).containsExactlyInAnyOrder("book_imbalance 1@0#0=0.0", "book_imbalance 0@1#0=0.5");
        // signals that have a value at every tick keep the last tick's
        assertThat(rows.named("vwap_deviation_bps")).contains("vwap_deviation_bps 0@0#1=0.0");
        assertThat(rows.named("tick_rate_zscore")).isEmpty();
        assertThat(rows.named("volume_profile")).as("bar signals: one value per completed bar, as before").hasSize(2);
    }

    @Test
    void aGoodBookAtTheLastTickOfATimestampGivesItsRowWhateverCameBefore()
    {
        final Rows rows = new Rows();
        final SignalChain chain = chain(rows, "spread_bps", "book_imbalance");
        chain.onTick(0, T0, 0, 100, 1, 99.9, 100.1, 10, 30);      // a value the next tick supersedes
        chain.onTick(0, T0, 1, 100, 1, 100.2, 100.1, 0, 0);       // none
        chain.onTick(0, T0, 2, 100, 1, 99.99, 100.01, 1, 3);      // the last tick: its values are the rows
        chain.end();
        assertThat(rows.rows).containsExactlyInAnyOrder("spread_bps 0@0#2=" + spread(99.99, 100.01), "book_imbalance 0@0#2=-0.5");
    }

    @Test
    void aRejectedTickIsNeverTheLastTickOfItsTimestamp()
    {
        final Rows rows = new Rows();
        final SignalChain chain = chain(rows, "spread_bps");
        chain.onTick(0, T0, 0, 100, 1, 99.9, 100.1, NONE, NONE);
        chain.onTick(0, T0, 1, Double.NaN, 1, 100.2, 100.1, NONE, NONE);  // refused (price), crossed book: changes nothing
        chain.onTick(0, T0, 2, 100, -1, NONE, NONE, NONE, NONE);           // refused (size), no book: changes nothing
        chain.end();
        assertThat(rows.rows).containsExactly("spread_bps 0@0#0=" + spread(99.9, 100.1));
    }

    @Test
    void aValueThatOverflowsAtTheLastTickOfATimestampLeavesItWithoutARow()
    {
        final Rows rows = new Rows();
        final SignalChain chain = chain(rows, "vwap_deviation_bps");
        chain.onTick(0, T0, 0, 100, 1, NONE, NONE, NONE, NONE);
        chain.onTick(0, T0, 1, 1e308, 1e10, NONE, NONE, NONE, NONE); // accepted; its VWAP is not finite: dropped, and no row at T0
        chain.onTick(1, T0, 0, 100, 1, NONE, NONE, NONE, NONE);
        chain.end();
        assertThat(rows.rows).containsExactly("vwap_deviation_bps 1@0#0=0.0");
        assertThat(chain.nonFinite()).isEqualTo(1);
    }

    @Test
    void aTickACutRunDidNotEmitSupersedesTheHeldValueOnlyIfItIsAccepted()
    {
        final Rows rows = new Rows();
        final SignalChain chain = chain(rows, "spread_bps");
        chain.compute(tick(0, T0, 0, 100, 1, false));
        chain.compute(tick(0, T0, 1, 100, 1, true));       // skipped by a seek: the ts's row was computed at a tick not emitted
        chain.compute(tick(1, T0, 0, 100, 1, false));
        chain.compute(tick(1, T0, 1, Double.NaN, 1, true)); // skipped but refused: the whole run's row is the emitted one
        chain.end();
        assertThat(rows.rows).containsExactly("spread_bps 1@0#0=" + spread(99.9, 100.1));
    }

    private static double spread(final double bid, final double ask)
    {
        return (ask - bid) / ((ask + bid) / 2) * 10000;
    }

    private static TickEvent tick(final int symbol, final long ts, final int seq, final double price, final double size, final boolean skipped)
    {
        final TickEvent e = new TickEvent();
        e.type = TickEvent.TICK;
        e.symbolId = symbol;
        e.tsMicros = ts;
        e.seq = seq;
        e.price = price;
        e.size = size;
        e.bid = 99.9;
        e.ask = 100.1;
        e.bidSize = NONE;
        e.askSize = NONE;
        e.skipped = skipped;
        return e;
    }

    @Test
    void valuesThatOverflowAreCountedAndNeverPassedOn()
    {
        final List<Double> values = new ArrayList<>();
        final SignalSink sink = new SignalSink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                values.add(value);
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
        final SignalChain chain = SignalChain.context().signals(List.of("all")).symbols(1).sink(sink).build();
        final long t0 = T0;
        for (int i = 0; i < 200; i++)
        {
            final double price = i == 100 ? 1e308 : 100 + i * 0.01;
            chain.onTick(0, t0 + i * 1_000_000L, 0, price, i == 100 ? 1e10 : 100, 99.9, 100.1, 300, 200);
        }
        chain.end();
        assertThat(values).isNotEmpty().allSatisfy(v -> assertThat(Double.isFinite(v)).as(String.valueOf(v)).isTrue());
        assertThat(chain.nonFinite()).as("the overflowed values were counted").isPositive();
    }
}
