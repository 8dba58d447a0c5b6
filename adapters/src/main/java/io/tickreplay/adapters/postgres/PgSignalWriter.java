package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.signals.SignalWriteListener;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * Writes one shard's signal values into its run's partition of {@code signal_rows} (docs/runs.md)
 * with binary COPY, each batch its own transaction, on a connection of its own. A batch commits at
 * the end of a ring batch once it holds {@code batchRows} rows or is {@code batchMillis} old (the
 * seed's 200 rows / 5 s by default), and in any case at 65,536 rows: a paced or live stream, whose
 * ring batches are a tick or two, commits every 200 rows or 5 s as the seed did; a burst commits once
 * per ring batch (thousands of rows), since a commit per 200 rows held a burst to ~37k ticks/s here.
 *
 * <p>Keys: the values arrive through {@link io.tickreplay.engine.signals.LastPerTimestamp}, one per
 * (symbol, ts, name) per run, and each run has its own partition: a new run COPYs straight into it
 * ({@link #direct}); a resumed run or a re-run of the same id COPYs into a session-local staging table
 * and merges with {@code INSERT ... ON CONFLICT (key_id, name_id, ts) DO UPDATE}, so that it leaves
 * the same rows. Other runs, and the live pipeline (run 0), are never touched. A row is ids and
 * numbers ({@link SignalRowEncoder}); the (provider, symbol) and name ids are resolved before the
 * first batch (a live writer resolves a new symbol when it first meets it).
 *
 * <p>Used by one thread. A failed write throws {@link SignalWriteException} (the pipeline fails the
 * run with it) and counts in {@link #failures()}.
 */
public final class PgSignalWriter implements SignalSink, AutoCloseable
{
    /** A burst never holds more than this in one transaction. */
    static final int MAX_ROWS_PER_TRANSACTION = 65_536;
    /** A straight batch kept in memory for the merge fallback commits at this size: a writer's memory stays bounded (~4 MiB). */
    static final int MAX_KEPT_BYTES = 3 << 20;
    /**
     * A batch of batchRows rows still waits until it is this old: a writer whose ring runs dry every
     * few hundred rows (a burst whose other shard holds the compute thread) would otherwise commit a
     * COPY per few hundred rows, and PostgreSQL spent half again as much CPU per row that way.
     */
    static final long MIN_COMMIT_NANOS = 50_000_000L;
    private static final String COPY_STAGE = "COPY signal_rows_stage (" + SignalStore.COLUMNS + ") FROM STDIN (FORMAT binary)";

    private final DataSource dataSource;
    private final IntFunction<byte[]> providerOf;
    private final SignalRowEncoder rowEncoder;
    private final List<SignalCalculator> signals;
    private final SeriesKeyIds keys;
    /** Symbol ids 0..preload-1 are known before the first row (a replay's); a live writer's arrive later. */
    private final int preload;
    private final IntFunction<byte[]> symbolNameOf;
    private final int batchRows;
    private final long batchNanos;
    private final LongSupplier clock;
    private final SignalWriteListener listener;
    private final AtomicLongArray written;
    private final AtomicLongArray failures;
    private final long[] pendingByName;
    private final CopyBinaryEncoder encoder = new CopyBinaryEncoder(null, 1 << 16);
    private final MemoryCopyIn kept = new MemoryCopyIn();
    private Connection connection;
    private CopyManager copyApi;
    private CopyIn copyIn;
    private boolean inBatch;
    private boolean direct;
    private boolean resolved;
    /** The run's partition, once made (null: make it before the next batch). */
    private String partition;
    private int rows;
    private long batchStartNanos;

    public PgSignalWriter(final DataSource dataSource, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final long runId, final int batchRows, final long batchMillis, final LongSupplier nanoClock)
    {
        this(dataSource, provider, symbols, signals, runId, batchRows, batchMillis, nanoClock, SignalWriteListener.NONE);
    }

    public PgSignalWriter(final DataSource dataSource, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final long runId, final int batchRows, final long batchMillis, final LongSupplier nanoClock, final SignalWriteListener listener)
    {
        this(dataSource, providers(provider, symbols), symbols::utf8, symbols.size(), signals, runId, batchRows, batchMillis, nanoClock, listener);
    }

    /** For symbols that are not known in advance (a live consumer): {@code symbolNames} gives the UTF-8 name of an id. */
    public PgSignalWriter(final DataSource dataSource, final String provider, final IntFunction<byte[]> symbolNames,
        final List<SignalCalculator> signals, final long runId, final int batchRows, final long batchMillis,
        final LongSupplier nanoClock, final SignalWriteListener listener)
    {
        this(dataSource, constant(utf8(provider)), symbolNames, 0, signals, runId, batchRows, batchMillis, nanoClock, listener);
    }

    private PgSignalWriter(final DataSource dataSource, final IntFunction<byte[]> providers, final IntFunction<byte[]> symbolNames, final int preload,
        final List<SignalCalculator> signals, final long runId, final int batchRows, final long batchMillis,
        final LongSupplier nanoClock, final SignalWriteListener listener)
    {
        this.listener = listener;
        this.dataSource = dataSource;
        this.providerOf = providers;
        this.symbolNameOf = symbolNames;
        this.preload = preload;
        this.signals = List.copyOf(signals);
        this.keys = new SeriesKeyIds(new SignalStore(dataSource));
        this.rowEncoder = new SignalRowEncoder(signals);
        this.batchRows = batchRows;
        this.batchNanos = batchMillis * 1_000_000L;
        this.clock = nanoClock;
        this.written = new AtomicLongArray(signals.size());
        this.failures = new AtomicLongArray(signals.size());
        this.pendingByName = new long[signals.size()];
        rowEncoder.run(runId);
    }

    /** How much metadata the rows carry (default {@code full}). */
    public PgSignalWriter metadata(final SignalMetadata.Mode mode)
    {
        rowEncoder.mode(mode);
        return this;
    }

    @Override
    public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1, final double m2,
        final double m3)
    {
        try
        {
            try
            {
                row(signalId, symbolId, ts, value, m1, m2, m3);
            }
            catch (final SQLException e)
            {
                if (!direct || !uniqueViolation(e))
                {
                    throw e;
                }
                toMerge(false);
                row(signalId, symbolId, ts, value, m1, m2, m3);
            }
            if (rows >= MAX_ROWS_PER_TRANSACTION || direct && kept.length() >= MAX_KEPT_BYTES)
            {
                commit();
            }
        }
        catch (final SQLException e)
        {
            failures.incrementAndGet(signalId);
            listener.failed(signalId);
            abandon();
            throw new SignalWriteException("writing " + rowEncoder.signalName(signalId) + " signals: " + e.getMessage(), e);
        }
    }

    /** The UTF-8 provider of each id: the run's, or each source's in a run over several ({@link SymbolTable#provider}). */
    private static IntFunction<byte[]> providers(final String provider, final SymbolTable symbols)
    {
        final byte[][] names = new byte[symbols.size()][];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = utf8(symbols.provider(i, provider));
        }
        return id -> names[id];
    }

    private static IntFunction<byte[]> constant(final byte[] provider)
    {
        return id -> provider;
    }

    private void row(final int signalId, final int symbolId, final long ts, final double value, final double m1, final double m2, final double m3)
        throws SQLException
    {
        if (!inBatch)
        {
            begin();
        }
        rowEncoder.row(encoder, keys.of(symbolId, providerOf.apply(symbolId), symbolNameOf.apply(symbolId)), signalId, ts, value, m1, m2, m3);
        rows++;
        pendingByName[signalId]++;
    }

    @Override
    public void endOfBatch()
    {
        if (inBatch)
        {
            final long age = clock.getAsLong() - batchStartNanos;
            if (rows >= batchRows && age >= MIN_COMMIT_NANOS || age >= batchNanos)
            {
                commitOrThrow();
            }
        }
    }

    @Override
    public void endOfStream()
    {
        if (inBatch)
        {
            commitOrThrow();
        }
    }

    /** Commits every row so far, whatever the batch's size and age, then acknowledges the marker. */
    @Override
    public void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        endOfStream();
        barrier.ack(id);
    }

    private void commitOrThrow()
    {
        try
        {
            commit();
        }
        catch (final SQLException e)
        {
            for (int i = 0; i < pendingByName.length; i++)
            {
                if (pendingByName[i] > 0)
                {
                    failures.incrementAndGet(i);
                    listener.failed(i);
                }
            }
            abandon();
            throw new SignalWriteException("writing signals: " + e.getMessage(), e);
        }
    }

    private void begin() throws SQLException
    {
        if (!resolved)
        {
            // before this writer holds a connection: the ids come through another, and a pool of one per writer must not wait on itself
            rowEncoder.nameIds(new SignalStore(dataSource).nameIds(signals));
            keys.preload(preload, providerOf, symbolNameOf);
            resolved = true;
        }
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (Statement s = connection.createStatement())
            {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS signal_rows_stage (LIKE signal_rows) ON COMMIT DELETE ROWS");
            }
            connection.commit();
            copyApi = connection.unwrap(PGConnection.class).getCopyAPI();
        }
        if (partition == null)
        {
            partition = SignalStore.partition(connection, rowEncoder.run());
            connection.commit();
        }
        copyIn = copyApi.copyIn(direct ? "COPY " + partition + " (" + SignalStore.COLUMNS + ") FROM STDIN (FORMAT binary)" : COPY_STAGE);
        if (direct)
        {
            kept.clear();
            encoder.target(new Tee(kept, copyIn));
        }
        else
        {
            encoder.target(copyIn);
        }
        encoder.header();
        inBatch = true;
        rows = 0;
        batchStartNanos = clock.getAsLong();
    }

    private void commit() throws SQLException
    {
        try
        {
            encoder.finish();
        }
        catch (final SQLException e)
        {
            if (!direct || !uniqueViolation(e))
            {
                throw e;
            }
            toMerge(true);
        }
        if (!direct)
        {
            merge();
        }
        connection.commit();
        inBatch = false;
        counted();
    }

    /**
     * A key of this straight batch exists after all (an overlapping run at the same time): the batch so
     * far goes through the staging table and the merge, and so does every later one.
     */
    private void toMerge(final boolean ended) throws SQLException
    {
        connection.rollback();
        direct = false;
        copyIn = copyApi.copyIn(COPY_STAGE);
        if (ended)
        {
            kept.sendTo(copyIn);
            return;
        }
        kept.writeTo(copyIn);
        encoder.target(copyIn);
    }

    private void merge() throws SQLException
    {
        try (Statement s = connection.createStatement())
        {
            s.executeUpdate(SignalStore.mergeInto(partition, "signal_rows_stage"));
        }
    }

    private static boolean uniqueViolation(final SQLException e)
    {
        return "23505".equals(e.getSQLState());
    }

    private void counted()
    {
        listener.batch(rows);
        for (int i = 0; i < pendingByName.length; i++)
        {
            if (pendingByName[i] > 0)
            {
                written.addAndGet(i, pendingByName[i]);
                listener.committed(i, pendingByName[i]);
                pendingByName[i] = 0;
            }
        }
    }

    private void abandon()
    {
        if (inBatch)
        {
            encoder.cancel();
            inBatch = false;
        }
        try
        {
            if (connection != null)
            {
                connection.rollback();
            }
        }
        catch (final SQLException ignored)
        {
            // the connection is going away
        }
        Arrays.fill(pendingByName, 0);
    }

    /**
     * The run the next values belong to (a live consumer sees both live ticks, run 0, and replayed
     * ones): rows of the previous run still open are committed first, as they go to its partition.
     */
    public void run(final long newRunId)
    {
        if (newRunId != rowEncoder.run())
        {
            endOfStream();
            rowEncoder.run(newRunId);
            partition = null;
        }
    }

    /**
     * COPY batches straight into the run's partition while that works: right for a run that has no
     * rows yet (the caller checks, {@link SignalStore#hasRows}). If the server refuses a batch for a key
     * that exists after all, the batch is sent again through the merge, and so is every later one.
     */
    public PgSignalWriter direct(final boolean straight)
    {
        this.direct = straight;
        return this;
    }

    /** Rows committed so far, by signal id (for {@code signals_written_total{name}}). Any thread. */
    public long written(final int signalId)
    {
        return written.get(signalId);
    }

    /** Failed writes, by signal id (for {@code signals_write_failures_total{name}}). Any thread. */
    public long failures(final int signalId)
    {
        return failures.get(signalId);
    }

    @Override
    public void close()
    {
        if (inBatch)
        {
            abandon();
        }
        if (connection != null)
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ignored)
            {
                // nothing to keep
            }
            connection = null;
        }
    }

    private static byte[] utf8(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes a straight batch to the server and keeps a copy, for the merge if the server refuses it. */
    private static final class Tee extends MemoryCopyIn
    {
        private final MemoryCopyIn memory;
        private final CopyIn server;

        Tee(final MemoryCopyIn memory, final CopyIn server)
        {
            this.memory = memory;
            this.server = server;
        }

        @Override
        public void writeToCopy(final byte[] buf, final int off, final int siz) throws SQLException
        {
            memory.writeToCopy(buf, off, siz); // first: what reached the server is always in memory
            server.writeToCopy(buf, off, siz);
        }

        @Override
        public long endCopy() throws SQLException
        {
            return server.endCopy();
        }

        @Override
        public boolean isActive()
        {
            return server.isActive();
        }

        @Override
        public void cancelCopy() throws SQLException
        {
            server.cancelCopy();
        }
    }

    /** A batch of signals that could not be written; carries the database's message. */
    public static final class SignalWriteException extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        SignalWriteException(final String message, final Throwable cause)
        {
            super(message, cause);
        }
    }
}
