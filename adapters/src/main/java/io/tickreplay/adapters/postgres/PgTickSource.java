package io.tickreplay.adapters.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.tick.Micros;
import org.postgresql.PGConnection;

import java.io.IOException;
import java.io.InputStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import javax.sql.DataSource;

/**
 * Reads a replay window {@code [start, end)} of one provider's symbols from {@code tick_data} in the
 * replay order (ts, symbol, seq), never holding more than a chunk of it.
 *
 * <p>The window is read in consecutive time chunks; a chunk is one binary {@code COPY (SELECT ...
 * WHERE provider = ? AND symbol = ? AND ts in [chunk) ORDER BY ts, seq) TO STDOUT} per symbol: an
 * index range scan of the primary key, which already has that order, so the server never sorts
 * (one query with {@code ORDER BY ts, symbol, seq} made PostgreSQL scan and sort on disk). A k-way
 * merge on (ts, symbol id) in the JVM turns the symbol runs into replay order.
 * Chunk length adapts to the data, aiming at {@code targetChunkRows} ticks (64 bytes each in memory);
 * a chunk that would exceed {@code maxChunkRows} is abandoned and re-read in quarter-length pieces,
 * so memory stays bounded however dense the data is (down to a single microsecond, which is taken
 * whole: the bound is then the most ticks one microsecond holds).
 *
 * <p>A reader thread reads and merges ahead while the pipeline consumes (two batches in flight);
 * {@link #next} hands over merged batches. {@link #seek} restarts the reading at the target;
 * {@link #cancel} stops the server's query. A database failure reaches the pipeline as the exception
 * of {@link #next}, after every batch read before it.
 */
public final class PgTickSource implements TickBatchSource
{
    /**
     * Read-ahead and chunking; fluent setters. The defaults fit the heap: a chunk costs 64 bytes a
     * tick (twice that while it grows), and the cap keeps the largest under a sixteenth of the heap.
     */
    public static final class Options
    {
        int maxChunkRows = (int)Math.max(16_384, Math.min(1_048_576, Runtime.getRuntime().maxMemory() / (64 * 2 * 16)));
        int targetChunkRows = Math.min(262_144, maxChunkRows / 4);
        long initialChunkMicros = 60 * Micros.PER_SECOND;
        int batchSize = 8192;
        String applicationName = "tickreplay-replay";

        /** Aim of the adaptive chunk length; at most a quarter of the cap. */
        public Options targetChunkRows(final int rows)
        {
            targetChunkRows = Math.min(rows, maxChunkRows / 4);
            return this;
        }

        public Options maxChunkRows(final int rows)
        {
            maxChunkRows = rows;
            targetChunkRows = Math.min(targetChunkRows, rows / 4);
            return this;
        }

        public Options initialChunkMicros(final long micros)
        {
            initialChunkMicros = micros;
            return this;
        }

        public Options batchSize(final int size)
        {
            batchSize = size;
            return this;
        }

        public Options applicationName(final String name)
        {
            applicationName = name;
            return this;
        }
    }

    private static final Object END = new Object();

    private final DataSource dataSource;
    private final String provider;
    private final SymbolTable symbols;
    private final long endMicros;
    private final Options options;
    private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(3);
    private final BlockingQueue<TickBatch> free = new ArrayBlockingQueue<>(4);
    private volatile Thread reader;
    private volatile long seekTarget = Long.MIN_VALUE;
    private volatile boolean cancelled;
    private boolean copyOpen;
    private long nextStart;
    private boolean finished;

    public PgTickSource(final DataSource dataSource, final String provider, final SymbolTable symbols,
        final long startMicros, final long endMicros, final Options options)
    {
        this.dataSource = dataSource;
        this.provider = provider;
        this.symbols = symbols;
        this.endMicros = endMicros;
        this.options = options;
        this.nextStart = startMicros;
        for (int i = 0; i < 4; i++)
        {
            free.add(new TickBatch(options.batchSize));
        }
    }

    /** The reader thread starts with the first {@link #next} (the run's source thread): constructing a source starts nothing. */
    private synchronized void startReader()
    {
        if (reader == null && !cancelled)
        {
            final Thread t = new Thread(this::readAll, options.applicationName + "-reader");
            t.setDaemon(true);
            reader = t;
            t.start();
        }
    }

    @Override
    public boolean next(final TickBatch batch) throws Exception
    {
        if (finished)
        {
            return false;
        }
        if (reader == null)
        {
            startReader();
            if (reader == null)
            {
                finished = true; // cancelled before it began
                return false;
            }
        }
        final Object item = ready.take();
        if (item == END)
        {
            finished = true;
            return false;
        }
        if (item instanceof Exception e)
        {
            finished = true;
            throw e;
        }
        final TickBatch filled = (TickBatch)item;
        batch.clear();
        for (int i = 0; i < filled.count; i++)
        {
            batch.copyRow(filled, i);
        }
        filled.clear();
        free.put(filled);
        return true;
    }

    @Override
    public void seek(final long tsMicros)
    {
        seekTarget = tsMicros;
    }

    @Override
    public void cancel()
    {
        synchronized (this)
        {
            cancelled = true;
        }
        final Thread t = reader;
        if (t != null)
        {
            t.interrupt();
        }
    }

    @Override
    public void close()
    {
        cancel();
        final Thread t = reader;
        if (t == null)
        {
            return;
        }
        try
        {
            t.join(10_000);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The reader thread: chunk after chunk until the end of the window, merged into batches on
     * {@link #ready}. It never sends PostgreSQL a cancel request (they are asynchronous and can hit
     * the connection's next query): a seek or a cancel noticed in the middle of a chunk reads the
     * chunk's remaining rows (at most {@code maxChunkRows}) without keeping them.
     */
    private void readAll()
    {
        final Chunk chunk = new Chunk(symbols.size());
        final Merger merger = new Merger(symbols.size());
        Object last = END;
        Connection c = null;
        try
        {
            c = dataSource.getConnection();
            try (Statement s = c.createStatement())
            {
                s.execute("SET application_name = " + SqlLiteral.quote(options.applicationName));
                // a chunk is a narrow index range per symbol; never let a small table tempt the planner into scanning and sorting it
                s.execute("SET enable_seqscan = off");
                s.execute("SET enable_bitmapscan = off");
            }
            long chunkMicros = options.initialChunkMicros;
            while (nextStart < endMicros && !cancelled)
            {
                final long target = seekTarget;
                if (target > nextStart)
                {
                    nextStart = Math.min(target, endMicros);
                    continue;
                }
                final long start = nextStart;
                final long end = Math.min(endMicros, start + Math.max(1, chunkMicros));
                final ChunkRead read = readChunk(c, start, end, chunk);
                if (read == ChunkRead.INTERRUPTED)
                {
                    continue; // a seek or a cancel: the loop head takes it from here
                }
                if (read == ChunkRead.OVERFLOW)
                {
                    chunkMicros = Math.max(1, (end - start) / 4);
                    continue;
                }
                if (chunk.count == 0)
                {
                    // a gap (a night, a weekend): jump to the next tick instead of growing through it
                    nextStart = nextTickAtOrAfter(c, end);
                    continue;
                }
                merger.merge(chunk, this);
                nextStart = end;
                final double factor = Math.max(0.25, Math.min(4.0, options.targetChunkRows / (double)chunk.count));
                chunkMicros = Math.max(1, (long)((end - start) * factor));
            }
        }
        catch (final InterruptedException e)
        {
            last = END;
        }
        catch (final Exception e)
        {
            last = cancelled ? END : e;
        }
        catch (final Throwable t)
        {
            // an Error (out of memory, say) must still reach the pipeline, or it would wait for this thread forever
            last = new IllegalStateException("the database reader stopped: " + t, t);
        }
        finally
        {
            release(c);
        }
        if (!ready.offer(last))
        {
            try
            {
                ready.put(last);
            }
            catch (final InterruptedException e)
            {
                // cancelled while the pipeline is not taking: it stops on its own
            }
        }
    }

    /** The first tick time at or after {@code from} in the window (one index probe per symbol), or the window's end. */
    private long nextTickAtOrAfter(final Connection c, final long from) throws SQLException
    {
        if (from >= endMicros)
        {
            return endMicros;
        }
        try (PreparedStatement probe = c.prepareStatement(
            "SELECT min(x.ts) FROM unnest(?::text[]) AS s(sym) CROSS JOIN LATERAL (SELECT ts FROM tick_data " +
            "WHERE provider = ? AND symbol = s.sym COLLATE \"C\" AND ts >= ? AND ts < ? ORDER BY ts LIMIT 1) x"))
        {
            probe.setArray(1, c.createArrayOf("text", symbols.names().toArray()));
            probe.setString(2, provider);
            probe.setObject(3, OffsetDateTime.ofInstant(Micros.toInstant(from), ZoneOffset.UTC));
            probe.setObject(4, OffsetDateTime.ofInstant(Micros.toInstant(endMicros), ZoneOffset.UTC));
            try (ResultSet rs = probe.executeQuery())
            {
                rs.next();
                final OffsetDateTime next = rs.getObject(1, OffsetDateTime.class);
                return next == null ? endMicros : Micros.of(next.toInstant());
            }
        }
    }

    /** Back to the pool, or thrown away when a COPY was left half read on it (an interrupt mid-chunk). */
    private void release(final Connection c)
    {
        if (c == null)
        {
            return;
        }
        if (copyOpen && dataSource instanceof HikariDataSource hikari)
        {
            hikari.evictConnection(c);
            return;
        }
        try (c; Statement s = c.createStatement())
        {
            s.execute("RESET ALL"); // the pool's next user gets a plain session
        }
        catch (final SQLException ignored)
        {
            // a broken connection: the pool finds out and replaces it
        }
    }

    /** Hands a merged batch over; blocks while the pipeline is two batches behind. */
    void emit(final TickBatch batch) throws InterruptedException
    {
        ready.put(batch);
    }

    TickBatch freeBatch() throws InterruptedException
    {
        return free.take();
    }

    private enum ChunkRead
    {
        COMPLETE, OVERFLOW, INTERRUPTED
    }

    private ChunkRead readChunk(final Connection c, final long start, final long end, final Chunk chunk) throws SQLException, IOException
    {
        chunk.clear();
        final long seekBefore = seekTarget;
        final String window = " AND ts >= " + SqlLiteral.timestamptz(Micros.toInstant(start)) + " AND ts < " + SqlLiteral.timestamptz(Micros.toInstant(end)) +
            " ORDER BY ts, seq) TO STDOUT (FORMAT binary)";
        ChunkRead result = ChunkRead.COMPLETE;
        // one COPY per symbol: with provider and symbol fixed the primary-key index yields (ts, seq) order,
        // so the server streams an index range scan and never sorts; the symbol runs are merged here
        for (int symbolId = 0; symbolId < symbols.size() && result == ChunkRead.COMPLETE; symbolId++)
        {
            final String sql = "COPY (SELECT ts, seq, price, size, bid, ask, bid_size, ask_size FROM tick_data WHERE provider = " +
                SqlLiteral.quote(provider) + " AND symbol = " + SqlLiteral.quote(symbols.name(symbolId)) + window;
            copyOpen = true;
            final CopyRowReader rows = new CopyRowReader(new CopyOutStream(c.unwrap(PGConnection.class).getCopyAPI().copyOut(sql)), symbolId);
            while (rows.nextRow())
            {
                if (result != ChunkRead.COMPLETE)
                {
                    continue; // reading out a COPY we no longer want
                }
                if (chunk.count == options.maxChunkRows && end - start > 1)
                {
                    result = ChunkRead.OVERFLOW;
                    continue;
                }
                chunk.add(rows);
                if ((chunk.count & 0xFFFF) == 0 && (cancelled || seekTarget != seekBefore))
                {
                    result = ChunkRead.INTERRUPTED;
                }
            }
            rows.drain();
            copyOpen = false;
        }
        if (result == ChunkRead.COMPLETE && (cancelled || seekTarget != seekBefore))
        {
            result = ChunkRead.INTERRUPTED;
        }
        return result;
    }

    /** One chunk in the order the server sent it: symbol runs, each sorted by (ts, seq). Grows as needed up to the cap. */
    static final class Chunk
    {
        int count;
        int capacity = 1024;
        int[] symbolId = new int[capacity];
        long[] ts = new long[capacity];
        int[] seq = new int[capacity];
        double[] values = new double[capacity * 6];
        final int[] runStart;
        final int[] runEnd;

        Chunk(final int symbols)
        {
            runStart = new int[symbols];
            runEnd = new int[symbols];
        }

        void clear()
        {
            count = 0;
            Arrays.fill(runStart, 0);
            Arrays.fill(runEnd, 0);
        }

        void add(final CopyRowReader row) throws IOException
        {
            if (count == capacity)
            {
                grow();
            }
            final int id = row.symbolId();
            final int i = count++;
            if (i == 0 || symbolId[i - 1] != id)
            {
                if (runEnd[id] != 0)
                {
                    throw new IOException("the server did not return the chunk grouped by symbol");
                }
                runStart[id] = i;
            }
            runEnd[id] = i + 1;
            symbolId[i] = id;
            ts[i] = row.tsMicros();
            seq[i] = row.seq();
            final int v = i * 6;
            values[v] = row.price();
            values[v + 1] = row.size();
            values[v + 2] = row.bid();
            values[v + 3] = row.ask();
            values[v + 4] = row.bidSize();
            values[v + 5] = row.askSize();
        }

        private void grow()
        {
            capacity *= 2;
            symbolId = Arrays.copyOf(symbolId, capacity);
            ts = Arrays.copyOf(ts, capacity);
            seq = Arrays.copyOf(seq, capacity);
            values = Arrays.copyOf(values, capacity * 6);
        }
    }

    /** K-way merge of a chunk's symbol runs on (ts, symbol id): a binary heap of run heads, no allocation. */
    static final class Merger
    {
        private final int[] heap;
        private final int[] position;
        private final int[] end;
        private int size;

        Merger(final int symbols)
        {
            heap = new int[symbols];
            position = new int[symbols];
            end = new int[symbols];
        }

        void merge(final Chunk chunk, final PgTickSource out) throws InterruptedException
        {
            size = 0;
            for (int s = 0; s < chunk.runStart.length; s++)
            {
                if (chunk.runEnd[s] > chunk.runStart[s])
                {
                    position[s] = chunk.runStart[s];
                    end[s] = chunk.runEnd[s];
                    heap[size++] = s;
                }
            }
            for (int i = size / 2 - 1; i >= 0; i--)
            {
                siftDown(chunk, i);
            }
            TickBatch batch = null;
            while (size > 0)
            {
                final int s = heap[0];
                final int i = position[s]++;
                if (batch == null)
                {
                    batch = out.freeBatch();
                }
                final int v = i * 6;
                batch.add(s, chunk.ts[i], chunk.seq[i], chunk.values[v], chunk.values[v + 1], chunk.values[v + 2],
                    chunk.values[v + 3], chunk.values[v + 4], chunk.values[v + 5]);
                if (batch.full())
                {
                    out.emit(batch);
                    batch = null;
                }
                if (position[s] == end[s])
                {
                    heap[0] = heap[--size];
                }
                if (size > 0)
                {
                    siftDown(chunk, 0);
                }
            }
            if (batch != null)
            {
                out.emit(batch);
            }
        }

        private void siftDown(final Chunk chunk, final int from)
        {
            int i = from;
            while (true)
            {
                final int left = 2 * i + 1;
                if (left >= size)
                {
                    return;
                }
                int smallest = left;
                final int right = left + 1;
                if (right < size && less(chunk, heap[right], heap[left]))
                {
                    smallest = right;
                }
                if (!less(chunk, heap[smallest], heap[i]))
                {
                    return;
                }
                final int t = heap[i];
                heap[i] = heap[smallest];
                heap[smallest] = t;
                i = smallest;
            }
        }

        private boolean less(final Chunk chunk, final int a, final int b)
        {
            final long ta = chunk.ts[position[a]];
            final long tb = chunk.ts[position[b]];
            return ta < tb || (ta == tb && a < b);
        }
    }

    /**
     * Reads PostgreSQL's binary COPY stream of one symbol's (ts timestamptz, seq int4, six float8)
     * through {@link CopyBinaryReader}, without allocating per row.
     */
    static final class CopyRowReader
    {
        private final CopyBinaryReader in;
        private final int symbolId;
        private long ts;
        private int seq;
        private final double[] values = new double[6];

        CopyRowReader(final InputStream in, final int symbolId) throws IOException
        {
            this.in = new CopyBinaryReader(in);
            this.symbolId = symbolId;
        }

        boolean nextRow() throws IOException
        {
            if (!in.nextRow())
            {
                return false;
            }
            in.next();
            ts = in.timestampMicros();
            in.next();
            seq = in.int4();
            for (int k = 0; k < 6; k++)
            {
                values[k] = in.next() ? in.float8() : Double.NaN;
            }
            return true;
        }

        void drain() throws IOException
        {
            in.drain();
        }

        int symbolId()
        {
            return symbolId;
        }

        long tsMicros()
        {
            return ts;
        }

        int seq()
        {
            return seq;
        }

        double price()
        {
            return values[0];
        }

        double size()
        {
            return values[1];
        }

        double bid()
        {
            return values[2];
        }

        double ask()
        {
            return values[3];
        }

        double bidSize()
        {
            return values[4];
        }

        double askSize()
        {
            return values[5];
        }
    }
}
