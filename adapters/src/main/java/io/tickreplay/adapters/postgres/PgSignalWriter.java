package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.tick.Micros;
import org.postgresql.PGConnection;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import javax.sql.DataSource;

/**
 * Writes one shard's signal values into {@code signals} with binary COPY, each batch its own
 * transaction, on a connection of its own. A batch commits at the end of a ring batch once it holds
 * {@code batchRows} rows or is {@code batchMillis} old (the seed's 200 rows / 5 s by default), and
 * in any case at 65,536 rows: a paced or live stream, whose ring batches are a tick or two, commits
 * every 200 rows or 5 s as the seed did; a burst commits once per ring batch (thousands of rows),
 * since a commit per 200 rows held a burst to ~37k ticks/s here.
 *
 * <p>Keys: the values arrive through {@link io.tickreplay.engine.signals.LastPerTimestamp}, one per
 * (symbol, ts, name) per run; each batch is COPYed into a session-local staging table and merged
 * with {@code INSERT ... ON CONFLICT (provider, symbol, ts, name) DO UPDATE}: running a replay again
 * leaves the same rows, and two replays over overlapping windows at once both succeed (the later
 * write wins). Measured here: ~176k rows/s for plain COPY after deleting the window, but that
 * conflicts between concurrent overlapping replays and the delete of a big window took ~28 s; the
 * merge keeps the seed's upsert semantics. {@code metadata} is JSON with {@code origin},
 * {@code replay_run_id} and the calculator's explaining numbers.
 *
 * <p>Used by one thread. A failed write throws {@link SignalWriteException} (the pipeline fails the
 * run with it) and counts in {@link #failures()}.
 */
public final class PgSignalWriter implements SignalShardStage.Sink, AutoCloseable
{
    /** A burst never holds more than this in one transaction. */
    static final int MAX_ROWS_PER_TRANSACTION = 65_536;

    private final DataSource dataSource;
    private final byte[] provider;

    private final byte[][] signalNames;
    private final List<List<String>> metadataKeys;
    private String origin;
    private long runId;
    private final java.util.function.IntFunction<byte[]> symbolNameOf;
    private final int batchRows;
    private final long batchNanos;
    private final LongSupplier clock;
    private final Listener listener;
    private final AtomicLongArray written;
    private final AtomicLongArray failures;
    private final StringBuilder json = new StringBuilder(256);
    private final long[] pendingByName;
    private Connection connection;
    private CopyBinaryEncoder encoder;
    private final MemoryCopyIn batch = new MemoryCopyIn();
    private boolean direct;
    private int rows;
    private long batchStartNanos;

    /** Told of every committed batch and every failed one, per signal (metrics). Called on the writer's thread. */
    public interface Listener
    {
        Listener NONE = new Listener()
        {
        };

        default void committed(final int signalId, final long rows)
        {
        }

        default void failed(final int signalId)
        {
        }

        /** A batch of {@code rows} rows committed. */
        default void batch(final int rows)
        {
        }
    }

    public PgSignalWriter(final DataSource dataSource, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final String origin, final long runId, final int batchRows, final long batchMillis, final LongSupplier nanoClock)
    {
        this(dataSource, provider, symbols, signals, origin, runId, batchRows, batchMillis, nanoClock, Listener.NONE);
    }

    public PgSignalWriter(final DataSource dataSource, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final String origin, final long runId, final int batchRows, final long batchMillis, final LongSupplier nanoClock, final Listener listener)
    {
        this(dataSource, provider, symbols::utf8, signals, origin, runId, batchRows, batchMillis, nanoClock, listener);
    }

    /** For symbols that are not known in advance (a live consumer): {@code symbolNames} gives the UTF-8 name of an id. */
    public PgSignalWriter(final DataSource dataSource, final String provider, final java.util.function.IntFunction<byte[]> symbolNames,
        final List<SignalCalculator> signals, final String origin, final long runId, final int batchRows, final long batchMillis,
        final LongSupplier nanoClock, final Listener listener)
    {
        this.listener = listener;
        this.dataSource = dataSource;
        this.provider = provider.getBytes(StandardCharsets.UTF_8);
        this.symbolNameOf = symbolNames;
        this.signalNames = new byte[signals.size()][];
        this.metadataKeys = signals.stream().map(SignalCalculator::metadataKeys).toList();
        for (int i = 0; i < signals.size(); i++)
        {
            signalNames[i] = signals.get(i).name().getBytes(StandardCharsets.UTF_8);
        }
        this.origin = origin;
        this.runId = runId;
        this.batchRows = batchRows;
        this.batchNanos = batchMillis * 1_000_000L;
        this.clock = nanoClock;
        this.written = new AtomicLongArray(signals.size());
        this.failures = new AtomicLongArray(signals.size());
        this.pendingByName = new long[signals.size()];
    }

    @Override
    public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1, final double m2,
        final double m3)
    {
        try
        {
            if (encoder == null)
            {
                begin();
            }
            json.setLength(0);
            SignalMetadata.append(json, origin, runId, metadataKeys.get(signalId), m1, m2, m3);
            final byte[] metadata = json.toString().getBytes(StandardCharsets.UTF_8);
            final byte[] symbolName = symbolNameOf.apply(symbolId);
            encoder.startRow(6, 64 + provider.length + symbolName.length + signalNames[signalId].length + metadata.length);
            encoder.text(provider);
            encoder.text(symbolName);
            encoder.timestamptz(ts);
            encoder.text(signalNames[signalId]);
            encoder.float8(value);
            encoder.jsonb(metadata);
            rows++;
            pendingByName[signalId]++;
            if (rows >= MAX_ROWS_PER_TRANSACTION)
            {
                commit();
            }
        }
        catch (final SQLException e)
        {
            failures.incrementAndGet(signalId);
            listener.failed(signalId);
            abandon();
            throw new SignalWriteException("writing " + new String(signalNames[signalId], StandardCharsets.UTF_8) + " signals: " + e.getMessage(), e);
        }
    }

    @Override
    public void endOfBatch()
    {
        if (encoder != null && (rows >= batchRows || clock.getAsLong() - batchStartNanos >= batchNanos))
        {
            commitOrThrow();
        }
    }

    @Override
    public void endOfStream()
    {
        if (encoder != null)
        {
            commitOrThrow();
        }
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
        if (connection == null)
        {
            connection = dataSource.getConnection();
            connection.setAutoCommit(false);
            try (java.sql.Statement s = connection.createStatement())
            {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS signals_stage (LIKE signals INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
            }
            connection.commit();
        }
        batch.clear();
        encoder = new CopyBinaryEncoder(batch, 1 << 16);
        encoder.header();
        rows = 0;
        batchStartNanos = clock.getAsLong();
    }

    private void commit() throws SQLException
    {
        encoder.finish();
        final org.postgresql.copy.CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        if (direct)
        {
            try
            {
                batch.sendTo(copy.copyIn("COPY signals (provider, symbol, ts, name, value, metadata) FROM STDIN (FORMAT binary)"));
                connection.commit();
                encoder = null;
                counted();
                return;
            }
            catch (final SQLException e)
            {
                connection.rollback();
                if (!"23505".equals(e.getSQLState()))
                {
                    throw e;
                }
                direct = false; // a key exists after all: merge this batch and the rest
            }
        }
        batch.sendTo(copy.copyIn("COPY signals_stage (provider, symbol, ts, name, value, metadata) FROM STDIN (FORMAT binary)"));
        try (java.sql.Statement s = connection.createStatement())
        {
            s.executeUpdate("INSERT INTO signals (provider, symbol, ts, name, value, metadata) " +
                "SELECT provider, symbol, ts, name, value, metadata FROM signals_stage " +
                "ON CONFLICT (provider, symbol, ts, name) DO UPDATE SET value = EXCLUDED.value, score = EXCLUDED.score, " +
                "metadata = EXCLUDED.metadata, created_at = NOW()");
        }
        connection.commit();
        encoder = null;
        counted();
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
        if (encoder != null)
        {
            encoder.cancel();
            encoder = null;
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
        java.util.Arrays.fill(pendingByName, 0);
    }

    /** The origin and replay run id that the metadata of the next values carries (a live consumer sees both kinds). */
    public void context(final String newOrigin, final long newRunId)
    {
        origin = newOrigin;
        runId = newRunId;
    }

    /**
     * COPY batches straight into {@code signals} while that works: right for a run whose window holds
     * none of its keys (the caller checks). If the server refuses a batch for a key that exists after
     * all (an overlapping run at the same time), the batch is sent again through the merge, and so is
     * every later one.
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
        if (encoder != null)
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
