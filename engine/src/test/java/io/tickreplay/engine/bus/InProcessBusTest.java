package io.tickreplay.engine.bus;

import com.lmax.disruptor.SleepingWaitStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class InProcessBusTest
{
    private static BusMessage tick(final String symbol, final long ts)
    {
        final BusMessage m = new BusMessage();
        m.provider = "ibkr";
        m.symbol = symbol;
        m.tsMicros = ts;
        m.price = 123.45;
        m.size = 100;
        m.bid = 123.4;
        m.ask = 123.5;
        m.origin = BusMessage.ORIGIN_REPLAY;
        m.replayRunId = 42;
        return m;
    }

    @Test
    void everySubscriberSeesWhatIsPublishedAfterItSubscribedInOrder() throws Exception
    {
        try (InProcessBus bus = new InProcessBus(64, new SleepingWaitStrategy()))
        {
            bus.publish(tick("EARLY", 0)); // before anyone listens: not seen
            final List<Long> a = Collections.synchronizedList(new ArrayList<>());
            final List<Long> b = Collections.synchronizedList(new ArrayList<>());
            try (InProcessBus.Subscription sa = bus.subscribe("a", (m, end) -> a.add(m.tsMicros));
                 InProcessBus.Subscription sb = bus.subscribe("b", (m, end) ->
                 {
                     Thread.sleep(0, 1000); // a slow consumer holds the publisher back instead of losing messages
                     b.add(m.tsMicros);
                 }))
            {
                for (long i = 1; i <= 2_000; i++)
                {
                    bus.publish(tick("NVDA", i));
                }
                assertThat(sa.awaitCaughtUp(30_000)).isTrue();
                assertThat(sb.awaitCaughtUp(30_000)).isTrue();
            }
            assertThat(a).hasSize(2_000);
            assertThat(b).hasSize(2_000);
            for (int i = 0; i < 2_000; i++)
            {
                assertThat(a.get(i)).isEqualTo(i + 1);
                assertThat(b.get(i)).isEqualTo(i + 1);
            }
        }
    }

    @Test
    void jsonIsTheSeedsMessageShape()
    {
        final BusMessage m = tick("NVDA", 1_762_180_201_000_000L);
        assertThat(BusJson.encode(m, new StringBuilder()).toString()).isEqualTo(
            "{\"kind\":\"tick\",\"provider\":\"ibkr\",\"symbol\":\"NVDA\",\"price\":123.45,\"timestamp\":\"2025-11-03T14:30:01Z\"," +
            "\"size\":100.0,\"bid\":123.4,\"ask\":123.5,\"bid_size\":null,\"ask_size\":null,\"seq\":0,\"origin\":\"replay\",\"replay_run_id\":42}");
        m.origin = BusMessage.ORIGIN_LIVE;
        m.symbol = "A\"B";
        assertThat(BusJson.encode(m, new StringBuilder()).toString()).contains("\"symbol\":\"A\\\"B\"").contains("\"origin\":\"live\",\"replay_run_id\":null");
    }

    @Test
    void binaryFramesRoundTripEveryFieldAndAbsentValues()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocate(BusFrame.MAX_LENGTH));
        final BusMessage m = tick("BRK.B", 1_762_180_201_123_456L);
        m.seq = 7;
        m.bidSize = 300;
        final int length = BusFrame.encode(m, buffer, 0);
        assertThat(length).isEqualTo(BusFrame.FIXED_LENGTH + 2 + 4 + 5);
        final BusMessage back = BusFrame.decode(buffer, 0, new BusMessage()) == length ? new BusMessage() : null;
        BusFrame.decode(buffer, 0, back);
        assertThat(back.toString()).isEqualTo(m.toString());
        assertThat(back.askSize).isNaN();
        assertThat(buffer.getByte(0)).isEqualTo(BusFrame.VERSION);
    }
}
