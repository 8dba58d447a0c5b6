package io.tickreplay.adapters.postgres;

import com.zaxxer.hikari.HikariDataSource;
import io.tickreplay.adapters.features.FeatureFile;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.engine.features.FeatureBuilder;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Micros;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import javax.sql.DataSource;

/**
 * Exports an ML feature set (docs/features.md) computed from {@code tick_data} itself, so that it needs
 * no replay: per symbol, the warm-up its signals need ({@link SignalWarmup}, for that symbol alone)
 * and then the window, read by one binary COPY in (ts, seq) order (an index range scan of the key,
 * no sort) into a {@link FeatureBuilder}, whose rows go to a {@link FeatureFile}. Every COPY runs in
 * one REPEATABLE READ snapshot. Memory: a COPY buffer, the builder's ring of {@code max(h) + 1} rows
 * and one Parquet row group, whatever the window. One thread.
 */
public final class PgFeatureExporter
{
    /** The intervals a feature set's bars may have. */
    public static final Map<String, Long> INTERVALS = Map.of("1m", BarBuilder.ONE_MINUTE, "5m", BarBuilder.FIVE_MINUTES, "1h", BarBuilder.ONE_HOUR);

    /** Longest horizon accepted: the ring holds that many rows per export. */
    public static final int MAX_HORIZON = 100_000;

    /** A feature set: a provider's symbols in [start, end), bars of {@code interval}, the signals by name, horizons in bars. */
    public record Query(String provider, List<String> symbols, Instant start, Instant end, String interval, List<String> signals, int[] horizons,
        List<ModelSpec> models)
    {
        /** Without models. */
        public Query(final String provider, final List<String> symbols, final Instant start, final Instant end, final String interval,
            final List<String> signals, final int[] horizons)
        {
            this(provider, symbols, start, end, interval, signals, horizons, List.of());
        }

        /** Checked whoever builds it: the values go into the COPY's SQL as literals. */
        public Query
        {
            if (!Identifiers.isValid(provider) || symbols.isEmpty() || !symbols.stream().allMatch(Identifiers::isValid))
            {
                throw new IllegalArgumentException("provider and symbols must be identifiers (letters, digits, ._:/^=@#$&+-)");
            }
            if (!INTERVALS.containsKey(interval))
            {
                throw new IllegalArgumentException("interval must be 1m, 5m or 1h, was '" + interval + "'");
            }
            if (Arrays.stream(horizons).anyMatch(h -> h > MAX_HORIZON))
            {
                throw new IllegalArgumentException("horizons must be at most " + MAX_HORIZON + " bars");
            }
            SignalSet.of(signals, 1); // unknown names fail here, listing the known ones
            horizons = horizons.clone();
            models = List.copyOf(models);
        }

        @Override
        public String toString()
        {
            return "features " + provider + " " + symbols + " [" + start + ", " + end + ") " + interval + " signals " + signals + " horizons " +
                Arrays.toString(horizons) + (models.isEmpty() ? "" : " models " + models.stream().map(ModelSpec::name).toList());
        }
    }

    private final DataSource dataSource;

    public PgFeatureExporter(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** Writes the feature set to {@code output}; {@code progress} hears the rows written so far now and then. */
    public PgExporter.Result export(final Query query, final Path output, final FileFormat format, final LongConsumer progress)
        throws SQLException, IOException
    {
        final List<String> symbols = query.symbols().stream().sorted().distinct().toList();
        final long start = Micros.of(query.start());
        final long end = Micros.of(query.end());
        final long interval = INTERVALS.get(query.interval());
        final long[] maxBar = {Long.MIN_VALUE};
        final Map<String, String> footer = new LinkedHashMap<>();
        footer.put("tickreplay.dataset", "features");
        footer.put("tickreplay.query", query.toString());
        final Path parent = output.toAbsolutePath().getParent();
        if (parent != null)
        {
            Files.createDirectories(parent);
        }
        final FeatureBuilder probe = new FeatureBuilder(query.signals(), interval, query.horizons(), start, end, null, query.models());
        try (FeatureFile file = FeatureFile.open(output, format, query.provider(), probe.signalNames(), query.horizons(), footer))
        {
            final FeatureBuilder features = new FeatureBuilder(query.signals(), interval, query.horizons(), start, end,
                (ts, open, high, low, close, volume, trades, vwap, signals, labels) ->
                {
                    file.row(ts, open, high, low, close, volume, trades, vwap, signals, labels);
                    maxBar[0] = Math.max(maxBar[0], ts);
                    if ((file.rows() & 0x3ff) == 0)
                    {
                        progress.accept(file.rows());
                    }
                }, query.models());
            final List<SignalCalculator> calculators = SignalSet.of(query.signals(), 1).calculators();
            final long[] from = new long[symbols.size()];
            for (int i = 0; i < from.length; i++)
            {
                // planned before the snapshot's connection is taken: an export never holds two of the pool's connections
                from[i] = SignalWarmup.from(dataSource, query.provider(), List.of(symbols.get(i)), start, calculators);
            }
            try (Connection c = dataSource.getConnection())
            {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                try
                {
                    final CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
                    for (int i = 0; i < from.length; i++)
                    {
                        file.symbol(symbols.get(i));
                        features.beginSymbol();
                        readTicks(copy, select(query.provider(), symbols.get(i), from[i], end), features);
                        features.endSymbol();
                        progress.accept(file.rows());
                    }
                    c.commit();
                }
                catch (final SQLException | IOException | RuntimeException | Error e)
                {
                    try
                    {
                        c.rollback();
                    }
                    catch (final SQLException | RuntimeException again)
                    {
                        e.addSuppressed(again);
                    }
                    if (dataSource instanceof HikariDataSource pool)
                    {
                        pool.evictConnection(c); // as PgExporter: a cancelled COPY's cancel could hit the next query
                    }
                    throw e;
                }
            }
            final long bytes = file.commit();
            return new PgExporter.Result(file.rows(), maxBar[0] == Long.MIN_VALUE ? null : Micros.toInstant(maxBar[0]), bytes);
        }
    }

    static String select(final String provider, final String symbol, final long fromMicros, final long endMicros)
    {
        return "SELECT ts, seq, price, size, bid, ask, bid_size, ask_size FROM tick_data WHERE provider = " + SqlLiteral.quote(provider) +
            " AND symbol = " + SqlLiteral.quote(symbol) + " AND ts >= " + SqlLiteral.timestamptz(Micros.toInstant(fromMicros)) + " AND ts < " +
            SqlLiteral.timestamptz(Micros.toInstant(endMicros)) + " ORDER BY ts, seq";
    }

    private static void readTicks(final CopyManager copy, final String select, final FeatureBuilder features) throws SQLException, IOException
    {
        final CopyOut op = copy.copyOut("COPY (" + select + ") TO STDOUT (FORMAT binary)");
        try
        {
            final CopyBinaryReader rows = new CopyBinaryReader(new CopyOutStream(op));
            while (rows.nextRow())
            {
                rows.next();
                final long ts = rows.timestampMicros();
                rows.next();
                final int seq = rows.int4();
                rows.next();
                final double price = rows.float8();
                rows.next();
                final double size = rows.float8();
                final double bid = rows.next() ? rows.float8() : Double.NaN;
                final double ask = rows.next() ? rows.float8() : Double.NaN;
                final double bidSize = rows.next() ? rows.float8() : Double.NaN;
                final double askSize = rows.next() ? rows.float8() : Double.NaN;
                features.onTick(ts, seq, price, size, bid, ask, bidSize, askSize);
            }
            rows.drain();
        }
        finally
        {
            if (op.isActive())
            {
                op.cancelCopy(); // failed half way: end the COPY, or the rollback waits on it
            }
        }
    }
}
