package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Replays a journal: the exact tick stream a run emitted, block by block, without the database.
 * Symbol ids are the manifest's, which are the ids a {@link SymbolTable} of the manifest's symbols
 * gives. Seeks are honoured by dropping ticks before the target. Single-threaded.
 */
public final class ChronicleJournalSource implements TickBatchSource
{
    private final ChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final int symbols;
    private final byte[] block = new byte[JournalLayout.MAX_BLOCK_BYTES];
    private final ByteBuffer buffer = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
    private int pending;
    private int pendingAt;
    private volatile long seekTarget = Long.MIN_VALUE;
    private volatile boolean cancelled;

    public ChronicleJournalSource(final Path directory, final int symbols)
    {
        this.queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
        this.tailer = queue.createTailer().toStart();
        this.symbols = symbols;
    }

    @Override
    public boolean next(final TickBatch batch) throws IOException
    {
        while (!batch.full() && !cancelled)
        {
            if (pendingAt == pending && !readBlock())
            {
                break;
            }
            final long target = seekTarget;
            while (pendingAt < pending && !batch.full())
            {
                final int at = JournalLayout.HEADER_BYTES + pendingAt++ * JournalLayout.RECORD_BYTES;
                final long ts = buffer.getLong(at + JournalLayout.TS_OFFSET);
                if (ts < target)
                {
                    continue;
                }
                final int symbolId = buffer.getInt(at + JournalLayout.SYMBOL_ID_OFFSET);
                if (symbolId < 0 || symbolId >= symbols)
                {
                    throw new IOException("corrupt journal: symbol id " + symbolId + " outside the manifest's " + symbols + " symbols");
                }
                batch.add(symbolId, ts, buffer.getInt(at + JournalLayout.SEQ_OFFSET),
                    buffer.getDouble(at + JournalLayout.PRICE_OFFSET), buffer.getDouble(at + JournalLayout.SIZE_OFFSET),
                    buffer.getDouble(at + JournalLayout.BID_OFFSET), buffer.getDouble(at + JournalLayout.ASK_OFFSET),
                    buffer.getDouble(at + JournalLayout.BID_SIZE_OFFSET), buffer.getDouble(at + JournalLayout.ASK_SIZE_OFFSET));
            }
        }
        return batch.count > 0;
    }

    private boolean readBlock() throws IOException
    {
        try (DocumentContext dc = tailer.readingDocument())
        {
            if (!dc.isPresent())
            {
                return false;
            }
            final Bytes<?> bytes = dc.wire().bytes();
            final long length = bytes.readRemaining();
            if (length < JournalLayout.HEADER_BYTES || length > block.length)
            {
                throw new IOException("corrupt journal: a block of " + length + " bytes");
            }
            bytes.read(block, 0, (int)length);
            final int count = buffer.getInt(0);
            final int version = buffer.getInt(4);
            if (version != JournalLayout.VERSION || length != JournalLayout.HEADER_BYTES + (long)count * JournalLayout.RECORD_BYTES)
            {
                throw new IOException("corrupt journal: block header count=" + count + " version=" + version + " for " + length + " bytes");
            }
            pending = count;
            pendingAt = 0;
            return true;
        }
    }

    @Override
    public void seek(final long tsMicros)
    {
        seekTarget = tsMicros;
    }

    @Override
    public void cancel()
    {
        cancelled = true;
    }

    @Override
    public void close()
    {
        tailer.close();
        queue.close();
    }
}
