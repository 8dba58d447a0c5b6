package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.replay.TickJournal;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Writes a replay's emitted ticks to a Chronicle Queue in blocks ({@link JournalLayout}): ticks are
 * packed into a heap buffer and appended as one document when the block is full or the ring batch
 * ends. Used by the journal stage's thread only.
 */
public final class ChronicleTickJournal implements TickJournal
{
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final byte[] block = new byte[JournalLayout.MAX_BLOCK_BYTES];
    private final ByteBuffer buffer = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
    private int count;
    private long bytesWritten;

    public ChronicleTickJournal(final Path directory)
    {
        this.queue = ChronicleQueue.singleBuilder(directory).build();
        this.appender = queue.createAppender();
    }

    @Override
    public void append(final TickEvent tick)
    {
        final int at = JournalLayout.HEADER_BYTES + count * JournalLayout.RECORD_BYTES;
        buffer.putInt(at + JournalLayout.SYMBOL_ID_OFFSET, tick.symbolId);
        buffer.putInt(at + JournalLayout.SEQ_OFFSET, tick.seq);
        buffer.putLong(at + JournalLayout.TS_OFFSET, tick.tsMicros);
        buffer.putDouble(at + JournalLayout.PRICE_OFFSET, tick.price);
        buffer.putDouble(at + JournalLayout.SIZE_OFFSET, tick.size);
        buffer.putDouble(at + JournalLayout.BID_OFFSET, tick.bid);
        buffer.putDouble(at + JournalLayout.ASK_OFFSET, tick.ask);
        buffer.putDouble(at + JournalLayout.BID_SIZE_OFFSET, tick.bidSize);
        buffer.putDouble(at + JournalLayout.ASK_SIZE_OFFSET, tick.askSize);
        if (++count == JournalLayout.MAX_TICKS_PER_BLOCK)
        {
            writeBlock();
        }
    }

    @Override
    public void endOfBatch()
    {
        if (count > 0)
        {
            writeBlock();
        }
    }

    private void writeBlock()
    {
        buffer.putInt(0, count);
        buffer.putInt(4, JournalLayout.VERSION);
        final int length = JournalLayout.HEADER_BYTES + count * JournalLayout.RECORD_BYTES;
        try (DocumentContext dc = appender.writingDocument())
        {
            dc.wire().bytes().write(block, 0, length);
        }
        bytesWritten += length;
        count = 0;
    }

    @Override
    public long bytesWritten()
    {
        return bytesWritten;
    }

    @Override
    public void close()
    {
        endOfBatch();
        appender.close();
        queue.close();
    }
}
