package io.tickreplay.engine.signals;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LastPerTimestampTest
{
    @Test
    void passesOnOnlyTheValueOfTheLastTickOfEachTimestampPerSignalAndSymbol()
    {
        final List<String> out = new ArrayList<>();
        final LastPerTimestamp filter = new LastPerTimestamp(2, 2, new SignalSink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                out.add(signalId + "/" + symbolId + "@" + ts + "#" + seq + "=" + value);
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
                out.add("end");
            }
        });
        filter.signal(0, 0, 10, 0, 1.0, 0, 0, 0);
        filter.signal(0, 0, 10, 1, 2.0, 0, 0, 0);  // same ts, later seq: replaces
        filter.signal(0, 1, 10, 0, 5.0, 0, 0, 0);  // another symbol: its own key
        filter.signal(1, 0, 10, 1, 7.0, 0, 0, 0);  // another signal: its own key
        assertThat(out).isEmpty();
        filter.signal(0, 0, 11, 0, 3.0, 0, 0, 0);  // a new ts releases the held one
        assertThat(out).containsExactly("0/0@10#1=2.0");
        filter.endOfStream();
        assertThat(out.subList(1, 4)).containsExactlyInAnyOrder("0/1@10#0=5.0", "1/0@10#1=7.0", "0/0@11#0=3.0");
        assertThat(out).hasSize(5).endsWith("end");
    }
}
