package io.tickreplay.adapters.features;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.files.PendingFile;
import io.tickreplay.adapters.parquet.ParquetRowWriter;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Column;
import io.tickreplay.adapters.parquet.ParquetRowWriter.Type;
import io.tickreplay.engine.features.FeatureRows;
import io.tickreplay.engine.tick.Micros;
import org.apache.parquet.io.api.Binary;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A feature set's file (docs/features.md): columns {@code provider, symbol, ts, open, high, low, close,
 * volume, trade_count, vwap}, one per signal, one {@code fwd_log_return_<h>} per horizon, decided when
 * it is opened. CSV (optionally gzipped; ISO-8601 UTC times, Java's shortest round-trip doubles, an
 * empty field for null) or Parquet ({@link ParquetRowWriter}: UTC timestamps, doubles, nullable
 * features and labels). Written under a temporary name beside the target and renamed by
 * {@link #commit()}; {@link #close()} without a commit deletes it ({@link PendingFile}). One thread; memory: a buffer, or
 * one Parquet row group.
 */
public abstract class FeatureFile implements FeatureRows, AutoCloseable
{
    /** The columns every feature file starts with, before the signals and labels. */
    public static final List<String> BAR_COLUMNS = List.of("provider", "symbol", "ts", "open", "high", "low", "close", "volume", "trade_count", "vwap");

    protected final Path target;
    protected long rows;

    FeatureFile(final Path target)
    {
        this.target = target;
    }

    /** The file's columns for these signals and horizons. */
    public static List<String> columns(final List<String> signals, final int[] horizons)
    {
        final List<String> names = new ArrayList<>(BAR_COLUMNS);
        names.addAll(signals);
        for (final int h : horizons)
        {
            names.add(label(h));
        }
        return names;
    }

    /** The label column of horizon {@code h}. */
    public static String label(final int h)
    {
        return "fwd_log_return_" + h;
    }

    /** Opens {@code target} in {@code format} for these columns; {@code metadata} goes into a Parquet file's footer. */
    public static FeatureFile open(final Path target, final FileFormat format, final String provider, final List<String> signals, final int[] horizons,
        final Map<String, String> metadata) throws IOException
    {
        return format == FileFormat.PARQUET ? new Parquet(target, provider, signals, horizons, metadata)
            : new Csv(target, provider, columns(signals, horizons), format == FileFormat.CSV_GZ);
    }

    /** The symbol of the rows that follow. */
    public abstract void symbol(String symbol);

    public long rows()
    {
        return rows;
    }

    /** Finishes the file, moves it into place and returns its size. */
    public abstract long commit() throws IOException;

    @Override
    public abstract void close();

    /** CSV or CSV.gz through a buffered writer. */
    private static final class Csv extends FeatureFile
    {
        private final PendingFile file;
        private final Writer out;
        private final String provider;
        private final StringBuilder line = new StringBuilder(512);
        private String symbol;

        Csv(final Path target, final String provider, final List<String> columns, final boolean gzip) throws IOException
        {
            super(target);
            this.provider = provider;
            this.file = PendingFile.beside(target);
            try
            {
                this.out = file.textWriter(gzip);
                out.write(String.join(",", columns));
                out.write('\n');
            }
            catch (final IOException | RuntimeException e)
            {
                file.close();
                throw e;
            }
        }

        @Override
        public void symbol(final String symbol)
        {
            this.symbol = symbol;
        }

        @Override
        public void row(final long barStart, final double open, final double high, final double low, final double close, final double volume,
            final long trades, final double vwap, final double[] signals, final double[] labels) throws IOException
        {
            // provider and symbol are identifiers (no comma or quote): written as they are
            line.setLength(0);
            line.append(provider).append(',').append(symbol).append(',');
            Micros.appendIso(line, barStart);
            line.append(',').append(open).append(',').append(high).append(',').append(low).append(',').append(close).append(',').append(volume)
                .append(',').append(trades);
            number(vwap);
            for (final double v : signals)
            {
                number(v);
            }
            for (final double v : labels)
            {
                number(v);
            }
            line.append('\n');
            out.append(line);
            rows++;
        }

        private void number(final double v)
        {
            line.append(',');
            if (!Double.isNaN(v))
            {
                line.append(v);
            }
        }

        @Override
        public long commit() throws IOException
        {
            file.commit();
            return Files.size(target);
        }

        @Override
        public void close()
        {
            file.close();
        }
    }

    /** Parquet: provider, symbol and the bar required; vwap, signals and labels optional. */
    private static final class Parquet extends FeatureFile
    {
        private static final int SIGNALS_AT = BAR_COLUMNS.size();

        private final ParquetRowWriter out;
        private final Binary provider;
        private Binary symbol;

        Parquet(final Path target, final String provider, final List<String> signals, final int[] horizons, final Map<String, String> metadata)
            throws IOException
        {
            super(target);
            final List<Column> columns = new ArrayList<>(List.of(
                Column.required("provider", Type.STRING), Column.required("symbol", Type.STRING), Column.required("ts", Type.TIMESTAMP),
                Column.required("open", Type.DOUBLE), Column.required("high", Type.DOUBLE), Column.required("low", Type.DOUBLE),
                Column.required("close", Type.DOUBLE), Column.required("volume", Type.DOUBLE), Column.required("trade_count", Type.LONG),
                Column.optional("vwap", Type.DOUBLE)));
            for (final String s : signals)
            {
                columns.add(Column.optional(s, Type.DOUBLE));
            }
            for (final int h : horizons)
            {
                columns.add(Column.optional(label(h), Type.DOUBLE));
            }
            this.out = new ParquetRowWriter(target, columns, metadata);
            this.provider = ParquetRowWriter.text(provider);
        }

        @Override
        public void symbol(final String symbol)
        {
            this.symbol = ParquetRowWriter.text(symbol);
        }

        @Override
        public void row(final long barStart, final double open, final double high, final double low, final double close, final double volume,
            final long trades, final double vwap, final double[] signals, final double[] labels) throws IOException
        {
            out.set(0, provider).set(1, symbol).set(2, barStart).set(3, open).set(4, high).set(5, low).set(6, close).set(7, volume).set(8, trades);
            optional(9, vwap);
            for (int i = 0; i < signals.length; i++)
            {
                optional(SIGNALS_AT + i, signals[i]);
            }
            for (int j = 0; j < labels.length; j++)
            {
                optional(SIGNALS_AT + signals.length + j, labels[j]);
            }
            out.endRow();
            rows++;
        }

        private void optional(final int column, final double v)
        {
            if (!Double.isNaN(v))
            {
                out.set(column, v);
            }
        }

        @Override
        public long commit() throws IOException
        {
            out.commit();
            return Files.size(target);
        }

        @Override
        public void close()
        {
            out.close();
        }
    }
}
