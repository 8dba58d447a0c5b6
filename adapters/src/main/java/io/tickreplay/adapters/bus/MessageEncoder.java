package io.tickreplay.adapters.bus;

import io.tickreplay.engine.bus.BusFrame;
import io.tickreplay.engine.bus.BusJson;
import io.tickreplay.engine.bus.BusMessage;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Turns bus messages into the bytes a Kafka record or a Redis stream entry keeps, in one
 * {@link BusFormat}: one new array per message (the client holds it until it is sent), everything else
 * reused; a symbol's and provider's UTF-8 is encoded once (the run's symbol table interns the names).
 * One thread (the run's bus publisher).
 */
public final class MessageEncoder
{
    private final BusFormat format;
    private final StringBuilder text = new StringBuilder(256);
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[BusFrame.MAX_LENGTH]);
    private final Map<String, byte[]> names = new IdentityHashMap<>();

    public MessageEncoder(final BusFormat format)
    {
        this.format = format;
    }

    public BusFormat format()
    {
        return format;
    }

    /** The message's payload. */
    public byte[] value(final BusMessage m)
    {
        if (format == BusFormat.BINARY)
        {
            final int length = BusFrame.encode(m, name(m.provider), name(m.symbol), frame, 0);
            return Arrays.copyOf(frame.byteArray(), length);
        }
        text.setLength(0);
        return BusJson.utf8(BusJson.encode(m, text));
    }

    /** The symbol's UTF-8: the record key (Kafka), the input of the shard hash (both). */
    public byte[] name(final String name)
    {
        byte[] bytes = names.get(name);
        if (bytes == null)
        {
            bytes = BusFrame.name(name);
            names.put(name, bytes);
        }
        return bytes;
    }

    /** The run's start record, always JSON (the seed's {@code kind}: {@code replay_start}, with the window). */
    public byte[] start(final String provider, final long runId, final long startMicros, final long endMicros)
    {
        text.setLength(0);
        return BusJson.utf8(BusJson.encodeStart(provider, runId, startMicros, endMicros, text));
    }

    /** The run's end record, always JSON (the seed's {@code kind}: {@code replay_end}). */
    public byte[] end(final String provider, final long runId, final long ticks, final String checksum, final boolean complete)
    {
        text.setLength(0);
        return BusJson.utf8(BusJson.encodeEnd(provider, runId, ticks, checksum, complete, text));
    }
}
