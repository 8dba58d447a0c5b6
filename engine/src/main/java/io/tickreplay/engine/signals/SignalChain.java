package io.tickreplay.engine.signals;

import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.EmissionCoverage;
import io.tickreplay.engine.replay.TickEvent;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The one signal chain, built the same way for a replay's calculator shard ({@link SignalShardStage}),
 * a bus consumer's run, the live consumer and the feature builder:
 *
 * <pre>
 *  tick --> calculators (SignalSet) --> emission rule --> last value per (signal, symbol, ts) --> sink
 *                                        bar signals: only minutes the run emitted whole (EmissionCoverage)
 *                                        per-tick values: only emitted ticks at or after emitFrom
 * </pre>
 *
 * Every tick the source read updates the state (warm-up and ticks skipped by a seek or a cancel
 * included); only emitted ones produce rows. The stored row of a (symbol, ts, per-tick signal) is the
 * one computed at the ts's last accepted tick ({@link LastPerTimestamp}): before an accepted tick is
 * computed, the per-tick values its symbol holds at the same ts are discarded, so a last tick that
 * computes no value (a crossed book, sizes 0 and 0), or that a cut run did not emit, leaves the ts
 * without a row for that signal. Rejected ticks are never the last tick of a ts. Bar signals carry
 * their minute's start, which no later tick has. A value that is not finite (an overflow) is counted
 * and dropped, so an overflow at the last tick of a ts also leaves no row. A new signal is a calculator
 * in {@link SignalSet#REGISTRY}; a new stage of the chain (the model stage) is added here, once, for
 * every place that computes signals.
 *
 * <p>One thread. Allocation-free per tick; memory: the calculators' state and six numbers per
 * (signal, symbol).
 */
public final class SignalChain
{
    private final SignalSet signals;
    private final LastPerTimestamp last;
    private final EmissionCoverage coverage;
    private final boolean[] barSignal;
    /** The ids of the per-tick signals, whose held value of a ts a later accepted tick of that ts supersedes. */
    private final int[] tickSignals;
    private final long emitFrom;
    private final SignalOutput filtered;
    /** Per signal id: 0 for a per-tick signal, else the length of the bar whose start its ts is (a minute; a model's interval). */
    private final long[] span;
    /** The latest finite value each calculator computed per symbol, and its ts, emitted or not: the state a feature row reads. */
    private final double[] stateValue;
    private final long[] stateTs;
    private final int symbols;
    private final List<SignalCalculator> named;
    private final ModelStage models;
    private boolean suppress;
    private long nonFinite;

    private SignalChain(final Context ctx)
    {
        this.signals = SignalSet.of(ctx.names, ctx.symbols).timings(ctx.timings);
        final int calculators = signals.calculators().size();
        this.named = PredictionSignal.withModels(signals.calculators(), ctx.models);
        this.symbols = ctx.symbols;
        this.last = new LastPerTimestamp(named.size(), ctx.symbols, ctx.sink);
        this.stateValue = new double[calculators * ctx.symbols];
        this.stateTs = new long[calculators * ctx.symbols];
        Arrays.fill(stateValue, Double.NaN);
        Arrays.fill(stateTs, Long.MIN_VALUE);
        this.span = new long[named.size()];
        for (int i = 0; i < named.size(); i++)
        {
            span[i] = named.get(i) instanceof PredictionSignal p ? p.model().intervalMicros()
                : named.get(i) instanceof BarSignalCalculator ? BarBuilder.ONE_MINUTE : 0;
        }
        this.coverage = new EmissionCoverage(ctx.windowStart, ctx.windowEnd);
        this.emitFrom = ctx.emitFrom == Long.MIN_VALUE ? ctx.windowStart : ctx.emitFrom;
        this.barSignal = new boolean[signals.calculators().size()];
        for (int i = 0; i < barSignal.length; i++)
        {
            barSignal[i] = signals.calculators().get(i) instanceof BarSignalCalculator;
        }
        this.tickSignals = IntStream.range(0, barSignal.length).filter(i -> !barSignal[i]).toArray();
        this.filtered = (signalId, symbolId, ts, seq, value, m1, m2, m3) ->
        {
            if (!Double.isFinite(value))
            {
                // an overflow (a price of 1e308 is finite, its VWAP is not): no NaN or infinity reaches a table
                nonFinite++;
                return;
            }
            if (signalId < stateTs.length / symbols)
            {
                stateValue[signalId * symbols + symbolId] = value;
                stateTs[signalId * symbols + symbolId] = ts;
            }
            // a bar signal's ts is its bar's start: passed on only when the run emitted that whole bar
            final long bar = span[signalId];
            if (bar > 0 ? coverage.covers(ts, ts + bar) : !suppress && ts >= emitFrom)
            {
                last.signal(signalId, symbolId, ts, seq, value, m1, m2, m3);
            }
        };
        this.models = ctx.models.isEmpty() ? null : new ModelStage(this, ctx.models, calculators, featureColumns(signals.calculators()), ctx.symbols,
            ctx.windowStart, ctx.windowEnd, ctx.modelOutput);
    }

    /** The columns of a feature row (docs/features.md): the bar's, then each signal's, in the chain's order. */
    public static List<String> featureColumns(final List<SignalCalculator> calculators)
    {
        final List<String> columns = new ArrayList<>(FEATURE_BAR_COLUMNS);
        calculators.forEach(c -> columns.add(c.name()));
        return List.copyOf(columns);
    }

    /** The bar columns a feature row starts with. */
    public static final List<String> FEATURE_BAR_COLUMNS = List.of("open", "high", "low", "close", "volume", "trade_count", "vwap");

    /**
     * The feature row of a bar of {@code symbolId} that has just closed (docs/features.md), the one code
     * that builds it for {@code export features} and for a model: completes the symbol's open 1-minute bar
     * (its bar signals), then fills {@code row} with the bar's columns and each signal as it stood at the
     * close: a per-tick signal's last value at or before {@code closeTs}, a bar signal's value of the bar's
     * last minute (NaN when that minute has none). Call before the tick that closed the bar reaches the chain.
     */
    public void featureRow(final int symbolId, final long closeTs, final double open, final double high, final double low, final double close,
        final double volume, final long trades, final double vwap, final double[] row)
    {
        signals.completeMinute(symbolId, filtered);
        row[0] = open;
        row[1] = high;
        row[2] = low;
        row[3] = close;
        row[4] = volume;
        row[5] = trades;
        row[6] = vwap;
        final long lastMinute = Math.floorDiv(closeTs, BarBuilder.ONE_MINUTE) * BarBuilder.ONE_MINUTE;
        final int k = stateTs.length / symbols;
        for (int i = 0; i < k; i++)
        {
            final int at = i * symbols + symbolId;
            row[7 + i] = barSignal[i] && stateTs[at] != lastMinute ? Double.NaN : stateValue[at];
        }
    }

    /** A model's prediction for the bar starting at {@code barStart}: out under the emission rule of bars as long as the model's. */
    void predicted(final int signalId, final int symbolId, final long barStart, final double prediction)
    {
        filtered.signal(signalId, symbolId, barStart, 0, prediction, Double.NaN, Double.NaN, Double.NaN);
    }

    /** The run's signals as its sinks name them: the calculators, then {@code pred_<name>} per model. */
    public List<SignalCalculator> signalsNamed()
    {
        return named;
    }

    /** Everything a chain is built from (Aeron's context idiom); {@link #build()} checks it. */
    public static Context context()
    {
        return new Context();
    }

    public List<SignalCalculator> calculators()
    {
        return signals.calculators();
    }

    public boolean isEmpty()
    {
        return signals.isEmpty();
    }

    /** Values that came out not finite (an arithmetic overflow) and were not passed on. */
    public long nonFinite()
    {
        return nonFinite;
    }

    /** Ticks no definition accepted. */
    public long rejected()
    {
        return signals.rejected();
    }

    /**
     * Takes a tick of the ticks ring, emitted or not, for the coverage rule: every stage that writes sees
     * every tick, also those of symbols another shard computes.
     */
    public void observe(final TickEvent e)
    {
        coverage.onTick(e);
    }

    /** Computes a tick of the ring that {@link #observe} has seen: state always, rows only if it was emitted. */
    public void compute(final TickEvent e)
    {
        suppress = e.skipped && !e.warmup;
        supersede(e.symbolId, e.tsMicros, e.price, e.size);
        if (models != null && SignalSet.accepts(e.price, e.size))
        {
            models.beforeTick(e.symbolId, e.tsMicros, e.price, e.size);
        }
        signals.onTick(e.symbolId, e.tsMicros, e.seq, e.price, e.size, e.bid, e.ask, e.bidSize, e.askSize, filtered);
        suppress = false;
    }

    /** A tick that was emitted, outside any ring (the live consumer, the feature builder). */
    public void onTick(final int symbolId, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize)
    {
        supersede(symbolId, ts, price, size);
        if (models != null && SignalSet.accepts(price, size))
        {
            models.beforeTick(symbolId, ts, price, size);
        }
        signals.onTick(symbolId, ts, seq, price, size, bid, ask, bidSize, askSize, filtered);
    }

    /**
     * The key rule, read literally (docs/signals.md): an accepted tick is the last of its ts so far, so
     * the per-tick values its symbol holds at that ts, computed at an earlier tick, are not the ts's row
     * any more. Its own values, if any pass the rule, are held in their place. A rejected tick changes nothing.
     */
    private void supersede(final int symbolId, final long ts, final double price, final double size)
    {
        if (SignalSet.accepts(price, size))
        {
            for (final int signalId : tickSignals)
            {
                last.discard(signalId, symbolId, ts);
            }
        }
    }

    /** A ring batch has ended (or a paced tick was emitted): the sink may hand its values on. */
    public void endOfBatch()
    {
        last.endOfBatch();
    }

    /** A checkpoint marker sits before the next tick: every held value is final; the sink commits and acknowledges. */
    public void checkpoint(final long id, final CheckpointBarrier barrier)
    {
        last.checkpoint(id, barrier);
    }

    /** Passes every held value on now (the live consumer's context changes: origin or run). */
    public void releaseAll()
    {
        last.releaseAll();
    }

    /** The stream ended with {@code END} of the ticks ring: open bar signals if covered, held values, then the sink's end. */
    public void end(final TickEvent e)
    {
        coverage.onEnd(e);
        end();
    }

    /** The stream ended, every tick emitted (the live consumer, a bus run's end). */
    public void end()
    {
        signals.finish(filtered);
        if (models != null)
        {
            models.finish();
        }
        last.endOfStream();
    }

    /** The latest value of {@code signalId} for {@code symbolId} that passed the rule (NaN before any). */
    public double latest(final int signalId, final int symbolId)
    {
        return last.latest(signalId, symbolId);
    }

    /** The ts of {@link #latest} ({@link Long#MIN_VALUE} before any). */
    public long latestTs(final int signalId, final int symbolId)
    {
        return last.latestTs(signalId, symbolId);
    }

    /** Settings of a chain: fluent setters, checked by {@link #build()}. */
    public static final class Context
    {
        private List<String> names = List.of("all");
        private int symbols = 1;
        private long windowStart = Long.MIN_VALUE;
        private long windowEnd = Long.MAX_VALUE;
        private long emitFrom = Long.MIN_VALUE;
        private SignalSet.Timings timings = SignalSet.Timings.NONE;
        private SignalSink sink = SignalSink.DISCARD;
        private List<ModelSpec> models = List.of();
        private ModelOutput modelOutput = ModelOutput.NONE;

        /** Told of each prediction and each label's scores of the models. */
        public Context modelOutput(final ModelOutput output)
        {
            this.modelOutput = output;
            return this;
        }

        /** Models whose predictions the chain computes at their bars' closes ({@code pred_<name>}, after the signals' ids). */
        public Context models(final List<ModelSpec> models)
        {
            this.models = List.copyOf(models);
            return this;
        }

        /** Signal names as {@link SignalSet#of} takes them ({@code all}, {@code none} or names). */
        public Context signals(final List<String> names)
        {
            this.names = List.copyOf(names);
            return this;
        }

        /** How many dense symbol ids the state holds. */
        public Context symbols(final int symbols)
        {
            this.symbols = symbols;
            return this;
        }

        /**
         * The window {@code [startMicros, endMicros)} whose whole minutes bar signals may be written for;
         * per-tick values before the start are warm-up (state only).
         */
        public Context window(final long startMicros, final long endMicros)
        {
            this.windowStart = startMicros;
            this.windowEnd = endMicros;
            return this;
        }

        /** Per-tick values before this are state only: a resumed run's first tick time after its checkpoint (default: the window's start). */
        public Context emitFrom(final long micros)
        {
            this.emitFrom = micros;
            return this;
        }

        /** Told of sampled calculator compute times. */
        public Context timings(final SignalSet.Timings timings)
        {
            this.timings = timings;
            return this;
        }

        /** Where values go, each (signal, symbol, ts) once. */
        public Context sink(final SignalSink sink)
        {
            this.sink = sink;
            return this;
        }

        public SignalChain build()
        {
            if (symbols < 1)
            {
                throw new IllegalArgumentException("a signal chain needs at least one symbol, was " + symbols);
            }
            if (windowEnd <= windowStart)
            {
                throw new IllegalArgumentException("the window's end must be after its start");
            }
            return new SignalChain(this);
        }
    }
}
