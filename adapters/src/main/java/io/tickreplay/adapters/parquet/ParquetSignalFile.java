package io.tickreplay.adapters.parquet;

import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Column;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Type;
import io.tickreplay.adapters.files.SignalFile;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.SignalCalculator;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A replay's signals straight into a Parquet file: the columns of {@code signals}, {@code ts} as a
 * UTC timestamp, {@code value} as a double, {@code score} null, {@code metadata} a JSON string.
 * Each shard's writer thread collects a ring batch (up to 4,096 rows) in primitive arrays and
 * appends it to the one file writer under a lock; the file is renamed into place on
 * {@link #commit()}.
 */
public final class ParquetSignalFile implements SignalFile
{
    /** The columns, in the order of the {@code signals} table. */
    public static final List<Column> COLUMNS = List.of(
        Column.required("provider", Type.STRING),
        Column.required("symbol", Type.STRING),
        Column.required("ts", Type.TIMESTAMP),
        Column.required("name", Type.STRING),
        Column.required("value", Type.DOUBLE),
        Column.optional("score", Type.DOUBLE),
        Column.optional("metadata", Type.STRING));

    private static final int BATCH = 4096;

    private final ParquetRowWriter out;
    private final Binary[] providers;
    private final Binary[] symbolNames;
    private final Binary[] signalNames;
    private final List<SignalCalculator> signals;
    private final String origin;
    private final long runId;

    public ParquetSignalFile(final Path target, final String provider, final SymbolTable symbols, final List<SignalCalculator> signals,
        final String origin, final long runId) throws IOException
    {
        this.out = new ParquetRowWriter(target, COLUMNS, Map.of("tickreplay.origin", origin, "tickreplay.replay_run_id", String.valueOf(runId)));
        this.providers = new Binary[symbols.size()];
        this.symbolNames = new Binary[symbols.size()];
        for (int i = 0; i < symbols.size(); i++)
        {
            providers[i] = ParquetRowWriter.text(symbols.provider(i, provider));
            symbolNames[i] = ParquetRowWriter.text(symbols.name(i));
        }
        this.signalNames = signals.stream().map(s -> ParquetRowWriter.text(s.name())).toArray(Binary[]::new);
        this.signals = signals;
        this.origin = origin;
        this.runId = runId;
    }

    @Override
    public SignalSink shard()
    {
        return new SignalSink()
        {
            private final int[] signalIds = new int[BATCH];
            private final int[] symbolIds = new int[BATCH];
            private final long[] ts = new long[BATCH];
            private final double[] values = new double[BATCH * 4];
            private final StringBuilder json = new StringBuilder(256);
            private int n;

            @Override
            public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                signalIds[n] = signalId;
                symbolIds[n] = symbolId;
                ts[n] = tsMicros;
                values[n * 4] = value;
                values[n * 4 + 1] = m1;
                values[n * 4 + 2] = m2;
                values[n * 4 + 3] = m3;
                if (++n == BATCH)
                {
                    endOfBatch();
                }
            }

            @Override
            public void endOfBatch()
            {
                if (n > 0)
                {
                    append(this::row, n);
                    n = 0;
                }
            }

            private void row(final int i) throws IOException
            {
                final int signalId = signalIds[i];
                json.setLength(0);
                SignalMetadata.append(json, origin, runId, signals.get(signalId).metadataKeys(), values[i * 4 + 1], values[i * 4 + 2],
                    values[i * 4 + 3]);
                out.set(0, providers[symbolIds[i]]).set(1, symbolNames[symbolIds[i]]).set(2, ts[i]).set(3, signalNames[signalId]).set(4, values[i * 4])
                    .set(6, json.toString());
                out.endRow();
            }

            @Override
            public void endOfStream()
            {
                endOfBatch();
            }
        };
    }

    @FunctionalInterface
    private interface RowSource
    {
        void row(int i) throws IOException;
    }

    private synchronized void append(final RowSource rows, final int n)
    {
        try
        {
            for (int i = 0; i < n; i++)
            {
                rows.row(i);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("writing " + out.path() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Path path()
    {
        return out.path();
    }

    @Override
    public synchronized long rows()
    {
        return out.rows();
    }

    @Override
    public synchronized void commit() throws IOException
    {
        out.commit();
    }

    @Override
    public synchronized void close()
    {
        out.close();
    }
}
