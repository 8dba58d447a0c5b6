package io.tickreplay.engine.features;

import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.PredictionSignal;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one symbol's ticks, in (ts, seq) order, into ML feature rows (docs/features.md): one row per
 * bar of the interval with the bar's OHLCV, every chosen signal as it stood at the bar's close, and
 * the forward log return over each horizon (in bars) as labels.
 *
 * <p>No look-ahead by construction: a bar's features are taken when its first later tick arrives,
 * before that tick reaches any calculator (or at the end of the symbol's ticks). Only the labels look
 * forward, and a row waits for them in a ring of {@code max(horizons) + 1} rows; when the symbol's
 * ticks end first, the missing labels are null. Per-tick signals give their last value at or before
 * the bar's close, bar signals (on 1-minute bars) the value of the bar's last minute, null when that
 * minute has none.
 *
 * <p>Ticks before {@code start} are warm-up: they update the signals and bars, but their bars are
 * not rows. A bar is a row only when its whole interval lies in {@code [start, end)}.
 *
 * <p>One thread; allocation-free per tick (a new symbol allocates its calculators' state).
 * Memory: the ring, {@code (max(horizons) + 1) x (8 + signals + horizons)} numbers.
 */
public final class FeatureBuilder
{
    private final List<String> names;
    private final List<String> signalNames;
    private final long interval;
    private final int[] horizons;
    private final int maxHorizon;
    private final long start;
    private final long end;
    private final FeatureRows out;

    private SignalChain chain;
    private BarBuilder bars;
    private final double[] rowSignals;
    private final double[] featureRow;
    private final int calculators;
    private final List<ModelSpec> models;
    /** The ring slot of the row the current tick closed (its predictions come when the tick reaches the chain), -1 for none. */
    private int predicting = -1;
    private long predictingStart;
    private final double[] rowLabels;

    /** The ring of rows waiting for their labels: slot = bar index % capacity. */
    private final int capacity;
    private final long[] ringTs;
    private final double[] ringBar;
    private final long[] ringTrades;
    private final double[] ringSignals;
    private final double[] ringLabels;
    private long barIndex;

    private long lastAcceptedTs;
    private boolean completed;
    private long doneStart;
    private double doneOpen;
    private double doneHigh;
    private double doneLow;
    private double doneClose;
    private double doneVolume;
    private long doneTrades;
    private double doneVwap;
    private final BarBuilder.BarOutput capture;
    private long rows;

    /**
     * @param names          signal names as {@link SignalSet#of} takes them ({@code all} for every one)
     * @param intervalMicros the bar interval: one minute, five minutes or an hour (a whole number of minutes)
     * @param horizons       forward horizons in bars, each at least 1, no repeats
     * @param startMicros    the first bar that may be a row starts at or after this
     * @param endMicros      the last bar that may be a row ends at or before this
     */
    public FeatureBuilder(final List<String> names, final long intervalMicros, final int[] horizons, final long startMicros, final long endMicros,
        final FeatureRows out)
    {
        this(names, intervalMicros, horizons, startMicros, endMicros, out, List.of());
    }

    /**
     * As above, with models: each adds the column {@code pred_<name>} after the signals, its prediction for
     * the bar (docs/models.md), made by the chain's model stage on the row this builder writes, so a
     * file's predictions are a replay's of the same window.
     */
    public FeatureBuilder(final List<String> names, final long intervalMicros, final int[] horizons, final long startMicros, final long endMicros,
        final FeatureRows out, final List<ModelSpec> models)
    {
        if (intervalMicros <= 0 || intervalMicros % Micros.PER_MINUTE != 0)
        {
            throw new IllegalArgumentException("interval must be a whole number of minutes, was " + intervalMicros + " us");
        }
        if (horizons.length == 0 || Arrays.stream(horizons).anyMatch(h -> h < 1) || Arrays.stream(horizons).distinct().count() != horizons.length)
        {
            throw new IllegalArgumentException("horizons must be distinct whole numbers of bars >= 1, were " + Arrays.toString(horizons));
        }
        final SignalSet probe = SignalSet.of(names, 1);
        this.calculators = probe.calculators().size();
        this.models = List.copyOf(models);
        this.signalNames = PredictionSignal.withModels(probe.calculators(), models).stream().map(SignalCalculator::name).toList();
        this.names = List.copyOf(names);
        this.interval = intervalMicros;
        this.horizons = horizons.clone();
        this.maxHorizon = Arrays.stream(horizons).max().getAsInt();
        this.start = startMicros;
        this.end = endMicros;
        this.out = out;
        final int k = signalNames.size();
        rowSignals = new double[k];
        featureRow = new double[SignalChain.FEATURE_BAR_COLUMNS.size() + calculators];
        rowLabels = new double[horizons.length];
        capacity = maxHorizon + 1;
        ringTs = new long[capacity];
        ringBar = new double[capacity * 6];
        ringTrades = new long[capacity];
        ringSignals = new double[capacity * k];
        ringLabels = new double[capacity * horizons.length];
        capture = (symbolId, iv, barStart, open, high, low, close, volume, trades, vwap) ->
        {
            completed = true;
            doneStart = barStart;
            doneOpen = open;
            doneHigh = high;
            doneLow = low;
            doneClose = close;
            doneVolume = volume;
            doneTrades = trades;
            doneVwap = vwap;
        };
    }

    /** The signal columns, in order ({@code all} expanded). */
    public List<String> signalNames()
    {
        return signalNames;
    }

    public int[] horizons()
    {
        return horizons.clone();
    }

    /** Rows handed to the output so far, over all symbols. */
    public long rows()
    {
        return rows;
    }

    /** Starts a symbol: every calculator, bar and waiting row begins empty. */
    public void beginSymbol()
    {
        // the window only tells the model stage which bars are rows: the features are the state at each tick, emitted or not
        chain = SignalChain.context().signals(names).symbols(1).window(start, end).models(models).build();
        predicting = -1;
        bars = new BarBuilder(interval, 1);
        barIndex = 0;
        lastAcceptedTs = Long.MIN_VALUE;
        completed = false;
    }

    /** One tick of the current symbol, in (ts, seq) order; absent optional values NaN. */
    public void onTick(final long ts, final int seq, final double price, final double size, final double bid, final double ask, final double bidSize,
        final double askSize) throws IOException
    {
        if (price > 0 && price != Double.POSITIVE_INFINITY && size >= 0 && size != Double.POSITIVE_INFINITY)
        {
            final long closeTs = lastAcceptedTs;
            lastAcceptedTs = ts;
            bars.onTick(0, ts, price, size, capture);
            if (completed)
            {
                // the state now is the state at the completed bar's close: this tick has reached nothing yet
                barClosed(closeTs);
            }
        }
        chain.onTick(0, ts, seq, price, size, bid, ask, bidSize, askSize);
        takePredictions();
    }

    /** The models' predictions for the row just closed (made as its closing tick reached the chain) into its columns. */
    private void takePredictions()
    {
        if (predicting < 0)
        {
            return;
        }
        final int k = rowSignals.length;
        for (int m = 0; m < models.size(); m++)
        {
            final int id = calculators + m;
            ringSignals[predicting * k + id] = chain.latestTs(id, 0) == predictingStart ? chain.latest(id, 0) : Double.NaN;
        }
        predicting = -1;
    }

    /** The symbol's ticks have ended: its open bar closes, and rows still waiting get null for labels past the end. */
    public void endSymbol() throws IOException
    {
        bars.completeAll(capture);
        if (completed)
        {
            barClosed(lastAcceptedTs);
        }
        if (!models.isEmpty())
        {
            chain.end(); // the models close their last bar too
            takePredictions();
        }
        final long first = Math.max(0, barIndex - maxHorizon);
        for (long n = first; n < barIndex; n++)
        {
            emit(n);
        }
        barIndex = 0;
    }

    private void barClosed(final long closeTs) throws IOException
    {
        completed = false;
        // a bar boundary is a minute boundary: the bar's last minute is complete, and so are its bar signals
        // (completing it now, not at the next tick, changes no value: that tick would complete it first).
        // The row is the one a model of the chain is fed for this bar: one code builds both.
        chain.featureRow(0, closeTs, doneOpen, doneHigh, doneLow, doneClose, doneVolume, doneTrades, doneVwap, featureRow);
        if (doneStart < start || doneStart + interval > end)
        {
            return; // warm-up, or cut by the window: not a row
        }
        final int slot = (int)(barIndex % capacity);
        final int k = rowSignals.length;
        ringTs[slot] = doneStart;
        ringBar[slot * 6] = doneOpen;
        ringBar[slot * 6 + 1] = doneHigh;
        ringBar[slot * 6 + 2] = doneLow;
        ringBar[slot * 6 + 3] = doneClose;
        ringBar[slot * 6 + 4] = doneVolume;
        ringBar[slot * 6 + 5] = doneVwap;
        ringTrades[slot] = doneTrades;
        System.arraycopy(featureRow, SignalChain.FEATURE_BAR_COLUMNS.size(), ringSignals, slot * k, calculators);
        if (!models.isEmpty())
        {
            Arrays.fill(ringSignals, slot * k + calculators, slot * k + k, Double.NaN);
            predicting = slot;
            predictingStart = doneStart;
        }
        final int h = horizons.length;
        Arrays.fill(ringLabels, slot * h, slot * h + h, Double.NaN);
        for (int j = 0; j < h; j++)
        {
            final long from = barIndex - horizons[j];
            if (from >= 0)
            {
                final int s = (int)(from % capacity);
                ringLabels[s * h + j] = Math.log(doneClose / ringBar[s * 6 + 3]);
            }
        }
        barIndex++;
        if (barIndex > maxHorizon)
        {
            emit(barIndex - 1 - maxHorizon); // every horizon of that row is known now
        }
    }

    private void emit(final long n) throws IOException
    {
        final int slot = (int)(n % capacity);
        final int k = rowSignals.length;
        final int h = rowLabels.length;
        System.arraycopy(ringSignals, slot * k, rowSignals, 0, k);
        System.arraycopy(ringLabels, slot * h, rowLabels, 0, h);
        final int b = slot * 6;
        out.row(ringTs[slot], ringBar[b], ringBar[b + 1], ringBar[b + 2], ringBar[b + 3], ringBar[b + 4], ringTrades[slot], ringBar[b + 5], rowSignals,
            rowLabels);
        rows++;
    }
}
