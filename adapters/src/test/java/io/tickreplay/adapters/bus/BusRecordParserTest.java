package io.tickreplay.adapters.bus;

import io.tickreplay.engine.bus.BusFrame;
import io.tickreplay.engine.bus.BusJson;
import io.tickreplay.engine.bus.BusMessage;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A consumer reads a bus by the import's rules: what breaks them (no or a bad price or size, NaN or
 * infinities, an oversized record) is poison, dead-lettered, never folded in; a replay tick's run_seq
 * comes through every wire form.
 */
class BusRecordParserTest
{
    private final BusRecordParser parser = new BusRecordParser();
    private final BusMessage tick = new BusMessage();
    private final BusRecordParser.Control control = new BusRecordParser.Control();

    private static byte[] json(final String priceAndSize)
    {
        return ("{\"kind\":\"tick\",\"provider\":\"ibkr\",\"symbol\":\"NVDA\",\"timestamp\":\"2025-11-03T14:30:00Z\"," + priceAndSize +
            ",\"seq\":0,\"origin\":\"replay\",\"replay_run_id\":7}").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aGoodTickAndItsRunSeqAreRead() throws Exception
    {
        assertThat(parser.parse(json("\"price\":231.45,\"size\":100,\"run_seq\":42"), tick, control)).isEqualTo(BusRecordParser.Kind.TICK);
        assertThat(tick.price).isEqualTo(231.45);
        assertThat(tick.runSeq).isEqualTo(42);
        assertThat(parser.parse(json("\"price\":1e308,\"size\":1e10"), tick, control)).as("finite and > 0: the import takes it too")
            .isEqualTo(BusRecordParser.Kind.TICK);
    }

    @Test
    void ticksTheImportWouldRefuseArePoison()
    {
        for (final String bad : new String[] {"\"size\":100", "\"price\":231.45", "\"price\":-1,\"size\":100", "\"price\":0,\"size\":100",
            "\"price\":231.45,\"size\":-5", "\"price\":\"NaN\",\"size\":100", "\"price\":231.45,\"size\":100,\"bid\":-1",
            "\"price\":231.45,\"size\":100,\"ask_size\":-3"})
        {
            assertThatThrownBy(() -> parser.parse(json(bad), tick, control)).as(bad).isInstanceOf(BusRecordParser.PoisonException.class);
        }
    }

    @Test
    void redisEntriesWithNanOrInfinityArePoison()
    {
        for (final String price : new String[] {"NaN", "Infinity", "-Infinity"})
        {
            final Map<String, byte[]> fields = redisFields(price, "100");
            assertThatThrownBy(() -> parser.parse(fields, tick, control)).as(price).isInstanceOf(BusRecordParser.PoisonException.class)
                .hasMessageContaining("price");
        }
        assertThatThrownBy(() -> parser.parse(redisFields("231.45", "Infinity"), tick, control)).hasMessageContaining("size");
    }

    @Test
    void recordsOverTheCapArePoisonWhateverTheyHold()
    {
        final byte[] big = new byte[900 * 1024];
        Arrays.fill(big, (byte)' ');
        System.arraycopy(json("\"price\":1,\"size\":1"), 0, big, 0, json("\"price\":1,\"size\":1").length);
        assertThatThrownBy(() -> parser.parse(big, tick, control)).isInstanceOf(BusRecordParser.PoisonException.class)
            .hasMessageContaining("921600 bytes");
        final Map<String, byte[]> fields = redisFields("231.45", "100");
        fields.put("padding", new byte[5 << 20]);
        assertThatThrownBy(() -> parser.parse(fields, tick, control)).isInstanceOf(BusRecordParser.PoisonException.class)
            .hasMessageContaining("bytes (at most");
    }

    @Test
    void runSeqGoesThroughTheJsonTheFrameAndRedisAndAVersion1FrameIsStillRead() throws Exception
    {
        final BusMessage m = new BusMessage().unset();
        m.provider = "ibkr";
        m.symbol = "NVDA";
        m.tsMicros = 1_762_180_200_000_000L;
        m.price = 231.45;
        m.size = 100;
        m.replayRunId = 9;
        m.runSeq = 123_456;
        parser.parse(BusJson.utf8(BusJson.encode(m, new StringBuilder())), tick, control);
        assertThat(tick.runSeq).isEqualTo(123_456);
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[BusFrame.MAX_LENGTH]);
        final int length = BusFrame.encode(m, frame, 0);
        parser.parse(Arrays.copyOf(frame.byteArray(), length), tick, control);
        assertThat(tick.runSeq).isEqualTo(123_456);
        assertThat(tick.symbol).isEqualTo("NVDA");
        // a version 1 frame: no run_seq, the names right after the fixed fields at 72
        final byte[] v1 = new byte[length - 8];
        System.arraycopy(frame.byteArray(), 0, v1, 0, 72);
        System.arraycopy(frame.byteArray(), 80, v1, 72, length - 80);
        v1[0] = 1;
        parser.parse(v1, tick, control);
        assertThat(tick.runSeq).isZero();
        assertThat(tick.symbol).isEqualTo("NVDA");
        assertThat(tick.price).isEqualTo(231.45);
        final Map<String, byte[]> fields = redisFields("231.45", "100");
        fields.put("run_seq", "77".getBytes(StandardCharsets.US_ASCII));
        parser.parse(fields, tick, control);
        assertThat(tick.runSeq).isEqualTo(77);
    }

    private static Map<String, byte[]> redisFields(final String price, final String size)
    {
        final Map<String, byte[]> f = new HashMap<>();
        f.put("kind", "tick".getBytes(StandardCharsets.US_ASCII));
        f.put("provider", "ibkr".getBytes(StandardCharsets.US_ASCII));
        f.put("symbol", "NVDA".getBytes(StandardCharsets.US_ASCII));
        f.put("timestamp", "2025-11-03T14:30:00Z".getBytes(StandardCharsets.US_ASCII));
        f.put("price", price.getBytes(StandardCharsets.US_ASCII));
        f.put("size", size.getBytes(StandardCharsets.US_ASCII));
        f.put("origin", "replay".getBytes(StandardCharsets.US_ASCII));
        f.put("replay_run_id", "7".getBytes(StandardCharsets.US_ASCII));
        return f;
    }
}
