package io.tickreplay.engine.bus;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The compact binary wire form of a {@link BusMessage}, little-endian:
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+-------------------------------+
 *  |  version = 1  | kind (1=tick) | origin (0 live, 1 replay)|flags|  0: flags bit0 bid, bit1 ask,
 *  +---------------+---------------+-------------------------------+     bit2 bid_size, bit3 ask_size present
 *  |                           seq (int32)                         |  4
 *  +---------------------------------------------------------------+
 *  |                     replay_run_id (int64, 0 = live)           |  8
 *  +---------------------------------------------------------------+
 *  |                 ts (int64, microseconds since epoch, UTC)     | 16
 *  +---------------------------------------------------------------+
 *  |   price (f64) 24 | size (f64) 32 | bid (f64) 40 | ask (f64) 48 |
 *  |   bid_size (f64) 56 | ask_size (f64) 64   (NaN when absent)    |
 *  +---------------------------------------------------------------+
 *  | provider length (uint8) 72 | provider UTF-8 ...                |
 *  | symbol length (uint8)      | symbol UTF-8 ...                  |
 *  +---------------------------------------------------------------+
 * </pre>
 * 74 bytes plus the two names; names are at most 255 bytes. Byte 3 holds the origin in its low
 * nibble and the flags in its high nibble.
 */
public final class BusFrame
{
    public static final byte VERSION = 1;
    public static final int FIXED_LENGTH = 72;
    public static final int MAX_LENGTH = FIXED_LENGTH + 2 + 255 + 255;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private BusFrame()
    {
    }

    /** Encodes {@code m} at {@code offset}; returns the frame length. */
    public static int encode(final BusMessage m, final MutableDirectBuffer buffer, final int offset)
    {
        int flags = 0;
        flags |= Double.isNaN(m.bid) ? 0 : 1;
        flags |= Double.isNaN(m.ask) ? 0 : 2;
        flags |= Double.isNaN(m.bidSize) ? 0 : 4;
        flags |= Double.isNaN(m.askSize) ? 0 : 8;
        buffer.putByte(offset, VERSION);
        buffer.putByte(offset + 1, m.kind);
        buffer.putByte(offset + 2, (byte)0);
        buffer.putByte(offset + 3, (byte)((m.origin & 0x0f) | flags << 4));
        buffer.putInt(offset + 4, m.seq, ORDER);
        buffer.putLong(offset + 8, m.origin == BusMessage.ORIGIN_REPLAY ? m.replayRunId : 0, ORDER);
        buffer.putLong(offset + 16, m.tsMicros, ORDER);
        buffer.putDouble(offset + 24, m.price, ORDER);
        buffer.putDouble(offset + 32, m.size, ORDER);
        buffer.putDouble(offset + 40, m.bid, ORDER);
        buffer.putDouble(offset + 48, m.ask, ORDER);
        buffer.putDouble(offset + 56, m.bidSize, ORDER);
        buffer.putDouble(offset + 64, m.askSize, ORDER);
        int at = offset + FIXED_LENGTH;
        at = putName(buffer, at, m.provider);
        at = putName(buffer, at, m.symbol);
        return at - offset;
    }

    /**
     * Decodes a frame into {@code m}. Names are decoded into new strings: a consumer that cares interns
     * them. Returns the frame length.
     */
    public static int decode(final DirectBuffer buffer, final int offset, final BusMessage m)
    {
        final byte version = buffer.getByte(offset);
        if (version != VERSION)
        {
            throw new IllegalArgumentException("unknown bus frame version " + version);
        }
        m.kind = buffer.getByte(offset + 1);
        final int originAndFlags = buffer.getByte(offset + 3) & 0xff;
        m.origin = (byte)(originAndFlags & 0x0f);
        m.seq = buffer.getInt(offset + 4, ORDER);
        m.replayRunId = buffer.getLong(offset + 8, ORDER);
        m.tsMicros = buffer.getLong(offset + 16, ORDER);
        m.price = buffer.getDouble(offset + 24, ORDER);
        m.size = buffer.getDouble(offset + 32, ORDER);
        m.bid = buffer.getDouble(offset + 40, ORDER);
        m.ask = buffer.getDouble(offset + 48, ORDER);
        m.bidSize = buffer.getDouble(offset + 56, ORDER);
        m.askSize = buffer.getDouble(offset + 64, ORDER);
        int at = offset + FIXED_LENGTH;
        final int providerLength = buffer.getByte(at) & 0xff;
        m.provider = buffer.getStringWithoutLengthUtf8(at + 1, providerLength);
        at += 1 + providerLength;
        final int symbolLength = buffer.getByte(at) & 0xff;
        m.symbol = buffer.getStringWithoutLengthUtf8(at + 1, symbolLength);
        at += 1 + symbolLength;
        return at - offset;
    }

    private static int putName(final MutableDirectBuffer buffer, final int at, final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 255)
        {
            throw new IllegalArgumentException("name longer than 255 bytes: " + name);
        }
        buffer.putByte(at, (byte)bytes.length);
        buffer.putBytes(at + 1, bytes);
        return at + 1 + bytes.length;
    }
}
