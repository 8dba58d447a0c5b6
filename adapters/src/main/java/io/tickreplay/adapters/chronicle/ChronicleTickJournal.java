package io.tickreplay.adapters.chronicle;

import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.replay.TickJournal;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a replay's emitted ticks to a Chronicle Queue in blocks ({@link JournalLayout}): ticks are
 * packed into a heap buffer and appended as one document when the block is full or the ring batch
 * ends. Used by the journal stage's thread only.
 *
 * <p>Chronicle writes through memory-mapped files: a write into a page the file system has no room
 * for is a SIGBUS, which the JVM turns into an {@link InternalError} in whatever thread touched it.
 * So the journal never gets there: it refuses to open, and stops writing, while its file system has
 * less than {@link #RESERVE_BYTES} free (the queue's index pages and its next mapped chunk), looking
 * at the free space again after every {@link #CHECK_EVERY_BYTES} written; a stopped journal fails
 * its stage with {@code no space left on <dir> (N MB free)} and writes nothing more, not even at close.
 */
public final class ChronicleTickJournal implements TickJournal
{
    /** The free space a journal keeps in hand: below it, it stops before the file system does. */
    public static final long RESERVE_BYTES = 16L << 20;
    /** How many bytes are written between two looks at the free space (well under the reserve). */
    static final long CHECK_EVERY_BYTES = 1L << 20;

    private final Path directory;
    private final FileStore store;
    private final ChronicleQueue queue;
    private final ExcerptAppender appender;
    private final byte[] block = new byte[JournalLayout.MAX_BLOCK_BYTES];
    private final ByteBuffer buffer = ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN);
    private int count;
    private long bytesWritten;
    private long checkedAt;
    private boolean full;

    /** @throws JournalFullException when the directory's file system has less than the reserve free */
    public ChronicleTickJournal(final Path directory) throws IOException
    {
        this.directory = directory;
        Files.createDirectories(directory);
        this.store = Files.getFileStore(directory);
        checkSpace();
        this.queue = ChronicleQueue.singleBuilder(directory).build();
        this.appender = queue.createAppender();
    }

    /** Thrown when the journal's file system is (nearly) full: the run fails with its message. */
    public static final class JournalFullException extends IllegalStateException
    {
        private static final long serialVersionUID = 1L;

        JournalFullException(final String message)
        {
            super(message);
        }
    }

    private void checkSpace()
    {
        final long free;
        try
        {
            free = store.getUsableSpace();
        }
        catch (final IOException e)
        {
            throw new IllegalStateException("cannot tell the free space of " + directory + ": " + e.getMessage(), e);
        }
        checkedAt = bytesWritten;
        if (free < RESERVE_BYTES)
        {
            full = true;
            throw new JournalFullException("no space left on " + directory.toAbsolutePath() + " (" + (free >> 20) + " MB free, the journal keeps " +
                (RESERVE_BYTES >> 20) + " MB in hand)");
        }
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
        if (full)
        {
            throw new JournalFullException("no space left on " + directory.toAbsolutePath() + ": the journal stopped writing");
        }
        if (bytesWritten - checkedAt >= CHECK_EVERY_BYTES)
        {
            checkSpace();
        }
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
        try
        {
            if (!full)
            {
                endOfBatch();
            }
        }
        finally
        {
            appender.close();
            queue.close();
        }
    }

    /** True once the journal stopped for want of space: what it holds is a prefix of the run. */
    public boolean full()
    {
        return full;
    }
}
