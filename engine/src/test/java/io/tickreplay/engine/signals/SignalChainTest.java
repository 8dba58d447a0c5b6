package io.tickreplay.engine.signals;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The chain passes on finite values only: a tick the import takes (a price of 1e308) overflows a VWAP, and no NaN reaches a sink. */
class SignalChainTest
{
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
        final long t0 = 1_762_180_200_000_000L;
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
