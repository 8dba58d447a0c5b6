package io.tickreplay.engine.signals;

import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.EmissionCoverage;
import io.tickreplay.engine.replay.TickEvent;

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
    private boolean suppress;
    private long nonFinite;

    private SignalChain(final Context ctx)
    {
        this.signals = SignalSet.of(ctx.names, ctx.symbols).timings(ctx.timings);
        this.last = new LastPerTimestamp(signals.calculators().size(), ctx.symbols, ctx.sink);
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
            // a bar signal's ts is its minute's start: passed on only when the run emitted that whole minute
            if (barSignal[signalId] ? coverage.covers(ts, ts + BarBuilder.ONE_MINUTE) : !suppress && ts >= emitFrom)
            {
                last.signal(signalId, symbolId, ts, seq, value, m1, m2, m3);
            }
        };
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
        signals.onTick(e.symbolId, e.tsMicros, e.seq, e.price, e.size, e.bid, e.ask, e.bidSize, e.askSize, filtered);
        suppress = false;
    }

    /** A tick that was emitted, outside any ring (the live consumer, the feature builder). */
    public void onTick(final int symbolId, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize)
    {
        supersede(symbolId, ts, price, size);
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

    /**
     * Completes the open one-minute bars, whose bar signals pass the emission rule now (a bar boundary
     * of the feature builder, where no tick has reached the next minute yet).
     */
    public void completeBars()
    {
        signals.finish(filtered);
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
