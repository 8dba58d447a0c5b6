package io.tickreplay.engine.signals;

import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.models.Predictor;

import java.util.List;

/**
 * The models of a signal chain (docs/models.md): per model, bars of its interval per symbol; at the close
 * of a bar inside the chain's window (the symbol's first tick of a later bar, before that tick reaches any
 * calculator, or the end of the stream) the bar's feature row is built by {@link SignalChain#featureRow}
 * (what {@code export features} writes for that bar), the model's columns are taken from it in order, and
 * its prediction goes out as the bar signal {@code pred_<name>} at the bar's start, under the chain's
 * emission rule for bars as long as the model's. Bars of the warm-up, or cut by the window, neither
 * reach the model nor predict.
 *
 * <p>One thread; allocation-free per tick and per bar. Memory: a bar per (model, symbol), the
 * predictor's state.
 */
final class ModelStage
{
    private final SignalChain chain;
    private final Model[] models;
    private final long[] lastAccepted;
    private final long windowStart;
    private final long windowEnd;
    private final double[] row;

    private final class Model
    {
        final int signalId;
        final long interval;
        final int[] columns;
        final double[] x;
        final Predictor predictor;
        final BarBuilder bars;
        /** Made once: the bar a tick or the end closed, predicted. */
        final BarBuilder.BarOutput closes = (s, interval, start, open, high, low, close, volume, trades, vwap) ->
            closed(this, s, start, open, high, low, close, volume, trades, vwap);

        Model(final int signalId, final ModelSpec spec, final int[] columns, final int symbols)
        {
            this.signalId = signalId;
            this.interval = spec.intervalMicros();
            this.columns = columns;
            this.x = new double[columns.length];
            this.predictor = spec.predictors().apply(symbols);
            this.bars = new BarBuilder(spec.intervalMicros(), symbols);
        }
    }

    /**
     * @param firstSignalId the signal id of the first model's predictions (the chain's calculators come first)
     * @param columns       the feature row's columns, in {@link SignalChain#featureRow} order
     */
    ModelStage(final SignalChain chain, final List<ModelSpec> specs, final int firstSignalId, final List<String> columns, final int symbols,
        final long windowStart, final long windowEnd)
    {
        this.chain = chain;
        this.models = new Model[specs.size()];
        for (int m = 0; m < models.length; m++)
        {
            final ModelSpec spec = specs.get(m);
            if (spec.intervalMicros() <= 0 || spec.intervalMicros() % BarBuilder.ONE_MINUTE != 0)
            {
                throw new IllegalArgumentException("model " + spec.name() + ": its interval must be a whole number of minutes");
            }
            final int[] at = new int[spec.features().size()];
            for (int j = 0; j < at.length; j++)
            {
                at[j] = columns.indexOf(spec.features().get(j));
                if (at[j] < 0)
                {
                    throw new IllegalArgumentException("model " + spec.name() + " reads " + spec.features().get(j) + ", which is not a column of " +
                        "this chain's feature row (" + String.join(", ", columns) + ")");
                }
            }
            models[m] = new Model(firstSignalId + m, spec, at, symbols);
        }
        this.lastAccepted = new long[symbols];
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.row = new double[columns.size()];
    }

    /** An accepted tick, before any calculator sees it: the bars it closes are predicted on the state at their close. */
    void beforeTick(final int symbolId, final long ts, final double price, final double size)
    {
        for (final Model m : models)
        {
            m.bars.onTick(symbolId, ts, price, size, m.closes);
        }
        lastAccepted[symbolId] = ts;
    }

    /** The end of the stream, after the signals' last bars: every open bar closes. */
    void finish()
    {
        for (final Model m : models)
        {
            m.bars.completeAll(m.closes);
        }
    }

    private void closed(final Model m, final int symbolId, final long start, final double open, final double high, final double low, final double close,
        final double volume, final long trades, final double vwap)
    {
        if (start < windowStart || start + m.interval > windowEnd)
        {
            return;
        }
        chain.featureRow(symbolId, lastAccepted[symbolId], open, high, low, close, volume, trades, vwap, row);
        final double[] x = m.x;
        for (int j = 0; j < x.length; j++)
        {
            x[j] = row[m.columns[j]];
        }
        final double prediction = m.predictor.predict(symbolId, close, x);
        if (prediction == prediction)
        {
            chain.predicted(m.signalId, symbolId, start, prediction);
        }
    }
}
