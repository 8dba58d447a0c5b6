package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelScores;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.tick.Micros;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.IntFunction;
import javax.sql.DataSource;

/**
 * The {@code model_scores} rows of a run (docs/models.md, "Scores"): at each label's arrival, {@code ic},
 * {@code hit_rate}, {@code mse} and {@code count} of the (model, symbol) at the bar's start, a null score
 * no row. Held in primitive arrays and written {@value #BATCH} arrivals at a time, and at the stream's
 * end, merging into rows already there (a run id replayed again). Labels arrive once per bar, so the
 * chains' threads share one writer under its lock. The weights of a model that learns go to
 * {@code model_weights} the same way. Also keeps each (model, symbol)'s latest scores and
 * predictions made, for gauges.
 */
public final class ModelScoreWriter implements ModelOutput
{
    static final int BATCH = 1024;
    private static final String[] METRICS = {"ic", "hit_rate", "mse", "count"};

    private final DataSource dataSource;
    private long runId;
    private final IntFunction<String> symbolName;
    private final IntFunction<String> providerOf;
    private final int symbols;
    private final List<String> models;
    private final int[] model = new int[BATCH];
    private final int[] symbol = new int[BATCH];
    private final long[] ts = new long[BATCH];
    private final double[] values = new double[BATCH * 4];
    private int held;
    private final List<Object[]> learnt = new ArrayList<>();
    private long written;
    /** Per (model, symbol): the latest ic, hit_rate, mse, count (NaN before any), for gauges; any thread reads. */
    private final double[] latest;
    private final AtomicLongArray predictions;
    private final AtomicLongArray inferenceNanos;

    public ModelScoreWriter(final DataSource dataSource, final long runId, final String provider, final SymbolTable symbols, final List<String> models)
    {
        this(dataSource, runId, symbols::name, id -> symbols.provider(id, provider), symbols.size(), models);
    }

    /** For symbols known by id as they come (the live consumer): {@code symbols} ids at most. */
    public ModelScoreWriter(final DataSource dataSource, final long runId, final IntFunction<String> symbolName, final IntFunction<String> providerOf,
        final int symbols, final List<String> models)
    {
        this.dataSource = dataSource;
        this.runId = runId;
        this.symbolName = symbolName;
        this.providerOf = providerOf;
        this.symbols = symbols;
        this.models = List.copyOf(models);
        this.latest = new double[models.size() * symbols * 4];
        Arrays.fill(latest, Double.NaN);
        this.predictions = new AtomicLongArray(models.size());
        this.inferenceNanos = new AtomicLongArray(models.size());
    }

    @Override
    public void predicted(final int m, final int symbolId, final long nanos)
    {
        predictions.incrementAndGet(m);
        inferenceNanos.addAndGet(m, nanos);
    }

    @Override
    public synchronized void scored(final int m, final int symbolId, final long barStartMicros, final ModelScores scores)
    {
        final int i = held++;
        model[i] = m;
        symbol[i] = symbolId;
        ts[i] = barStartMicros;
        final int at = (m * symbols + symbolId) * 4;
        latest[at] = values[i * 4] = scores.ic(symbolId);
        latest[at + 1] = values[i * 4 + 1] = scores.hitRate(symbolId);
        latest[at + 2] = values[i * 4 + 2] = scores.mse(symbolId);
        latest[at + 3] = values[i * 4 + 3] = scores.count(symbolId);
        if (held == BATCH)
        {
            flush();
        }
    }

    @Override
    public synchronized void learnt(final int m, final int symbolId, final long barStartMicros, final double[] weights, final int count)
    {
        learnt.add(new Object[] {m, symbolId, barStartMicros, Arrays.copyOf(weights, count)});
        if (learnt.size() == BATCH)
        {
            flush();
        }
    }

    @Override
    public synchronized void end()
    {
        flush();
    }

    /** From now on rows are the run {@code id}'s (the live consumer's context changed); what is held goes out first. */
    public synchronized void run(final long id)
    {
        if (id != runId)
        {
            flush();
            runId = id;
        }
    }

    /** Rows written so far. */
    public synchronized long written()
    {
        return written;
    }

    /** The latest {@code metric} (0 ic, 1 hit_rate, 2 mse, 3 count) of a (model, symbol); NaN before any. */
    public synchronized double latest(final int m, final int symbolId, final int metric)
    {
        return latest[(m * symbols + symbolId) * 4 + metric];
    }

    public long predictions(final int m)
    {
        return predictions.get(m);
    }

    public long inferenceNanos(final int m)
    {
        return inferenceNanos.get(m);
    }

    private void flush()
    {
        if (held == 0 && learnt.isEmpty())
        {
            return;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement weights = c.prepareStatement("INSERT INTO model_weights (model, run_id, provider, symbol, ts, weights) " +
                 "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (model, run_id, provider, symbol, ts) DO UPDATE SET weights = EXCLUDED.weights");
             PreparedStatement insert = c.prepareStatement("INSERT INTO model_scores (model, run_id, provider, symbol, ts, metric, value) " +
                 "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model, run_id, provider, symbol, metric, ts) DO UPDATE SET value = EXCLUDED.value"))
        {
            int rows = 0;
            for (int i = 0; i < held; i++)
            {
                for (int k = 0; k < METRICS.length; k++)
                {
                    final double v = values[i * 4 + k];
                    if (v != v)
                    {
                        continue; // a null score is no row
                    }
                    insert.setString(1, models.get(model[i]));
                    insert.setLong(2, runId);
                    insert.setString(3, providerOf.apply(symbol[i]));
                    insert.setString(4, symbolName.apply(symbol[i]));
                    insert.setObject(5, OffsetDateTime.ofInstant(Micros.toInstant(ts[i]), ZoneOffset.UTC));
                    insert.setString(6, METRICS[k]);
                    insert.setDouble(7, v);
                    insert.addBatch();
                    rows++;
                }
            }
            insert.executeBatch();
            for (final Object[] w : learnt)
            {
                final int symbolId = (Integer)w[1];
                weights.setString(1, models.get((Integer)w[0]));
                weights.setLong(2, runId);
                weights.setString(3, providerOf.apply(symbolId));
                weights.setString(4, symbolName.apply(symbolId));
                weights.setObject(5, OffsetDateTime.ofInstant(Micros.toInstant((Long)w[2]), ZoneOffset.UTC));
                weights.setArray(6, c.createArrayOf("float8", Arrays.stream((double[])w[3]).boxed().toArray()));
                weights.addBatch();
            }
            weights.executeBatch();
            written += rows;
            held = 0;
            learnt.clear();
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("writing model scores of run " + runId + ": " + e.getMessage(), e);
        }
    }
}
