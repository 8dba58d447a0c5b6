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
 *  |          run_seq (int64, the tick's ordinal in its run, 0 none)| 72
 *  +---------------------------------------------------------------+
 *  | provider length (uint8) 80 | provider UTF-8 ...                |
 *  | symbol length (uint8)      | symbol UTF-8 ...                  |
 *  +---------------------------------------------------------------+
 * </pre>
 * 82 bytes plus the two names; names are at most 255 bytes. Byte 3 holds the origin in its low
 * nibble and the flags in its high nibble. Version 1 frames (no {@code run_seq}: the names at 72)
 * are still read.
 */
public final class BusFrame
{
    public static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;
    public static final int VERSION_OFFSET = 0;
    public static final int KIND_OFFSET = 1;
    public static final int RESERVED_OFFSET = 2;
    public static final int ORIGIN_AND_FLAGS_OFFSET = 3;
    public static final int SEQ_OFFSET = 4;
    public static final int RUN_ID_OFFSET = 8;
    public static final int TS_OFFSET = 16;
    public static final int PRICE_OFFSET = 24;
    public static final int SIZE_OFFSET = 32;
    public static final int BID_OFFSET = 40;
    public static final int ASK_OFFSET = 48;
    public static final int BID_SIZE_OFFSET = 56;
    public static final int ASK_SIZE_OFFSET = 64;
    public static final int RUN_SEQ_OFFSET = 72;
    /** Where the names begin: a length byte and the UTF-8 of the provider, then of the symbol. */
    public static final int FIXED_LENGTH = 80;
    private static final int FIXED_LENGTH_1 = 72;
    public static final int MAX_LENGTH = FIXED_LENGTH + 2 + 255 + 255;

    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private BusFrame()
    {
    }

    /** Encodes {@code m} at {@code offset}; returns the frame length. Encodes the names per call: see the other overload. */
    public static int encode(final BusMessage m, final MutableDirectBuffer buffer, final int offset)
    {
        return encode(m, name(m.provider), name(m.symbol), buffer, offset);
    }

    /** Encodes {@code m} with its provider's and symbol's UTF-8 given (a publisher caches them per symbol); returns the length. */
    public static int encode(final BusMessage m, final byte[] providerUtf8, final byte[] symbolUtf8, final MutableDirectBuffer buffer,
        final int offset)
    {
        int flags = 0;
        flags |= Double.isNaN(m.bid) ? 0 : 1;
        flags |= Double.isNaN(m.ask) ? 0 : 2;
        flags |= Double.isNaN(m.bidSize) ? 0 : 4;
        flags |= Double.isNaN(m.askSize) ? 0 : 8;
        buffer.putByte(offset + VERSION_OFFSET, VERSION);
        buffer.putByte(offset + KIND_OFFSET, m.kind);
        buffer.putByte(offset + RESERVED_OFFSET, (byte)0);
        buffer.putByte(offset + ORIGIN_AND_FLAGS_OFFSET, (byte)((m.origin & 0x0f) | flags << 4));
        buffer.putInt(offset + SEQ_OFFSET, m.seq, ORDER);
        buffer.putLong(offset + RUN_ID_OFFSET, m.origin == BusMessage.ORIGIN_REPLAY ? m.replayRunId : 0, ORDER);
        buffer.putLong(offset + TS_OFFSET, m.tsMicros, ORDER);
        buffer.putDouble(offset + PRICE_OFFSET, m.price, ORDER);
        buffer.putDouble(offset + SIZE_OFFSET, m.size, ORDER);
        buffer.putDouble(offset + BID_OFFSET, m.bid, ORDER);
        buffer.putDouble(offset + ASK_OFFSET, m.ask, ORDER);
        buffer.putDouble(offset + BID_SIZE_OFFSET, m.bidSize, ORDER);
        buffer.putDouble(offset + ASK_SIZE_OFFSET, m.askSize, ORDER);
        buffer.putLong(offset + RUN_SEQ_OFFSET, m.runSeq, ORDER);
        int at = offset + FIXED_LENGTH;
        at = putName(buffer, at, providerUtf8);
        at = putName(buffer, at, symbolUtf8);
        return at - offset;
    }

    /**
     * Decodes a frame into {@code m}. Names are decoded into new strings: a consumer that cares interns
     * them. Returns the frame length.
     */
    public static int decode(final DirectBuffer buffer, final int offset, final BusMessage m)
    {
        final byte version = buffer.getByte(offset + VERSION_OFFSET);
        if (version != VERSION && version != VERSION_1)
        {
            throw new IllegalArgumentException("unknown bus frame version " + version);
        }
        m.kind = buffer.getByte(offset + KIND_OFFSET);
        final int originAndFlags = buffer.getByte(offset + ORIGIN_AND_FLAGS_OFFSET) & 0xff;
        m.origin = (byte)(originAndFlags & 0x0f);
        m.seq = buffer.getInt(offset + SEQ_OFFSET, ORDER);
        m.replayRunId = buffer.getLong(offset + RUN_ID_OFFSET, ORDER);
        m.tsMicros = buffer.getLong(offset + TS_OFFSET, ORDER);
        m.price = buffer.getDouble(offset + PRICE_OFFSET, ORDER);
        m.size = buffer.getDouble(offset + SIZE_OFFSET, ORDER);
        m.bid = buffer.getDouble(offset + BID_OFFSET, ORDER);
        m.ask = buffer.getDouble(offset + ASK_OFFSET, ORDER);
        m.bidSize = buffer.getDouble(offset + BID_SIZE_OFFSET, ORDER);
        m.askSize = buffer.getDouble(offset + ASK_SIZE_OFFSET, ORDER);
        m.runSeq = version == VERSION ? buffer.getLong(offset + RUN_SEQ_OFFSET, ORDER) : 0;
        int at = offset + (version == VERSION ? FIXED_LENGTH : FIXED_LENGTH_1);
        final int providerLength = buffer.getByte(at) & 0xff;
        m.provider = buffer.getStringWithoutLengthUtf8(at + 1, providerLength);
        at += 1 + providerLength;
        final int symbolLength = buffer.getByte(at) & 0xff;
        m.symbol = buffer.getStringWithoutLengthUtf8(at + 1, symbolLength);
        at += 1 + symbolLength;
        return at - offset;
    }

    /** A provider's or symbol's UTF-8 as a frame carries it (at most 255 bytes). */
    public static byte[] name(final String name)
    {
        final byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 255)
        {
            throw new IllegalArgumentException("name longer than 255 bytes: " + name);
        }
        return bytes;
    }

    private static int putName(final MutableDirectBuffer buffer, final int at, final byte[] bytes)
    {
        buffer.putByte(at, (byte)bytes.length);
        buffer.putBytes(at + 1, bytes);
        return at + 1 + bytes.length;
    }
}
