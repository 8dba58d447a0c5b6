package io.tickreplay.engine.signals;

import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelScores;
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
 * <p>With each close, first the label of the bar h bars before arrives (when that bar had a prediction):
 * the pair joins the symbol's rolling scores ({@link ModelScores}, told to the {@link ModelOutput}).
 *
 * <p>One thread; allocation-free per tick and per bar. Memory: a bar, h labels and the score window per
 * (model, symbol), the predictor's state.
 */
final class ModelStage
{
    private final SignalChain chain;
    private final Model[] models;
    private final long[] lastAccepted;
    private final long windowStart;
    private final long windowEnd;
    private final double[] row;
    private final ModelOutput output;

    private final class Model
    {
        final int signalId;
        final long interval;
        final int[] columns;
        final double[] x;
        final int index;
        final int horizon;
        final Predictor predictor;
        final BarBuilder bars;
        /** Per symbol: in-window bars seen, and a ring of the last h bars' close and prediction (NaN: none), for the labels. */
        final long[] seen;
        final double[] ringClose;
        final double[] ringPrediction;
        final ModelScores scores;
        final double[] weights;
        /** Made once: the bar a tick or the end closed, predicted. */
        final BarBuilder.BarOutput closes = (s, interval, start, open, high, low, close, volume, trades, vwap) ->
            closed(this, s, start, open, high, low, close, volume, trades, vwap);

        Model(final int index, final int signalId, final ModelSpec spec, final int[] columns, final int symbols)
        {
            this.index = index;
            this.horizon = spec.horizon();
            this.seen = new long[symbols];
            this.ringClose = new double[symbols * spec.horizon()];
            this.ringPrediction = new double[symbols * spec.horizon()];
            this.scores = new ModelScores(symbols);
            this.signalId = signalId;
            this.interval = spec.intervalMicros();
            this.columns = columns;
            this.x = new double[columns.length];
            this.predictor = spec.predictors().apply(symbols);
            this.weights = new double[predictor.weightCount()];
            this.bars = new BarBuilder(spec.intervalMicros(), symbols);
        }
    }

    /**
     * @param firstSignalId the signal id of the first model's predictions (the chain's calculators come first)
     * @param columns       the feature row's columns, in {@link SignalChain#featureRow} order
     */
    ModelStage(final SignalChain chain, final List<ModelSpec> specs, final int firstSignalId, final List<String> columns, final int symbols,
        final long windowStart, final long windowEnd, final ModelOutput output)
    {
        this.chain = chain;
        this.output = output;
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
            models[m] = new Model(m, firstSignalId + m, spec, at, symbols);
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
        output.end();
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
        // the label of bar t-h arrives with this close (spec: a bar without prediction brings none), then bar t predicts
        final long t = m.seen[symbolId]++;
        final int slot = symbolId * m.horizon + (int)(t % m.horizon);
        if (t >= m.horizon && m.ringPrediction[slot] == m.ringPrediction[slot])
        {
            m.scores.onPair(symbolId, m.ringPrediction[slot], Math.log(close / m.ringClose[slot]));
            output.scored(m.index, symbolId, start, m.scores);
        }
        final boolean learns = t >= m.horizon && m.ringPrediction[slot] == m.ringPrediction[slot] && m.weights.length > 0;
        final long t0 = System.nanoTime();
        final double prediction = m.predictor.predict(symbolId, close, x);
        if (learns)
        {
            output.learnt(m.index, symbolId, start, m.weights, m.predictor.weights(symbolId, m.weights));
        }
        m.ringClose[slot] = close;
        m.ringPrediction[slot] = prediction;
        if (prediction == prediction)
        {
            output.predicted(m.index, symbolId, System.nanoTime() - t0);
            chain.predicted(m.signalId, symbolId, start, prediction);
        }
    }
}
