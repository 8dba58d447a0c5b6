package io.tickreplay.engine.signals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The signals a run computes, by name, with their state for a fixed set of symbols: rejects ticks
 * that no definition accepts (counted), feeds per-tick calculators, builds the 1-minute bars that
 * bar signals need and feeds those. One thread; allocation-free per tick.
 */
public final class SignalSet
{
    /** Every signal, in the order {@code all} lists them: adding one is a class and a line here. */
    public static final Map<String, IntFunction<SignalCalculator>> REGISTRY = registry();

    private static Map<String, IntFunction<SignalCalculator>> registry()
    {
        final Map<String, IntFunction<SignalCalculator>> r = new LinkedHashMap<>();
        r.put("vwap_deviation_bps", VwapDeviationCalculator::new);
        r.put("spread_bps", symbols -> new SpreadCalculator());
        r.put("tick_rate_zscore", TickRateZScoreCalculator::new);
        r.put("book_imbalance", symbols -> new BookImbalanceCalculator());
        r.put("rsi_14", RsiCalculator::new);
        r.put("bb_zscore_20", BollingerZScoreCalculator::new);
        r.put("volume_profile", VolumeProfileCalculator::new);
        return Collections.unmodifiableMap(r);
    }

    private final SignalCalculator[] tickCalculators;
    private final int[] tickIds;
    private final BarSignalCalculator[] barCalculators;
    private final int[] barIds;
    private final List<SignalCalculator> all;
    private final BarBuilder minuteBars;
    private final BarBuilder.BarOutput toBarSignals;
    private SignalOutput barOut;
    private long rejected;
    private long ticks;
    private Timings timings = Timings.NONE;

    /**
     * Receives how long a calculator took for one tick, measured on one tick in 1024 (timing every
     * tick would cost more than the calculators). Called on the calculating thread.
     */
    @FunctionalInterface
    public interface Timings
    {
        Timings NONE = (signalId, nanos) -> { };

        void computed(int signalId, long nanos);
    }

    public SignalSet timings(final Timings timings)
    {
        this.timings = timings;
        return this;
    }

    private SignalSet(final List<SignalCalculator> calculators, final int symbols)
    {
        this.all = List.copyOf(calculators);
        final List<Integer> tick = new ArrayList<>();
        final List<Integer> bar = new ArrayList<>();
        for (int i = 0; i < all.size(); i++)
        {
            (all.get(i) instanceof BarSignalCalculator ? bar : tick).add(i);
        }
        tickCalculators = tick.stream().map(all::get).toArray(SignalCalculator[]::new);
        tickIds = tick.stream().mapToInt(Integer::intValue).toArray();
        barCalculators = bar.stream().map(i -> (BarSignalCalculator)all.get(i)).toArray(BarSignalCalculator[]::new);
        barIds = bar.stream().mapToInt(Integer::intValue).toArray();
        minuteBars = barCalculators.length == 0 ? null : new BarBuilder(BarBuilder.ONE_MINUTE, symbols);
        toBarSignals = (symbolId, interval, start, open, high, low, close, volume, trades, vwap) ->
        {
            for (int i = 0; i < barCalculators.length; i++)
            {
                barCalculators[i].onBar(symbolId, start, open, high, low, close, volume, trades, barIds[i], barOut);
            }
        };
    }

    /**
     * The named signals ({@code all} for every one, {@code none} or an empty list for none) for
     * {@code symbols} symbols; an unknown name is an error that lists the known ones.
     */
    public static SignalSet of(final List<String> names, final int symbols)
    {
        final List<String> wanted = names.size() == 1 && names.get(0).equals("all") ? List.copyOf(REGISTRY.keySet())
            : names.size() == 1 && names.get(0).equals("none") ? List.of() : names;
        final List<SignalCalculator> calculators = new ArrayList<>();
        for (final String name : wanted)
        {
            final IntFunction<SignalCalculator> factory = REGISTRY.get(name);
            if (factory == null)
            {
                throw new IllegalArgumentException("unknown signal '" + name + "': one of " + String.join(", ", REGISTRY.keySet()) + ", all or none");
            }
            if (calculators.stream().anyMatch(c -> c.name().equals(name)))
            {
                throw new IllegalArgumentException("signal '" + name + "' named twice");
            }
            calculators.add(factory.apply(symbols));
        }
        return new SignalSet(calculators, symbols);
    }

    /** The calculators in signal-id order: {@code calculators().get(signalId)}. */
    public List<SignalCalculator> calculators()
    {
        return all;
    }

    public boolean isEmpty()
    {
        return all.isEmpty();
    }

    /** Ticks no definition accepts: price not finite and > 0, or size not finite and >= 0. */
    public long rejected()
    {
        return rejected;
    }

    public void onTick(final int symbolId, final long ts, final int seq, final double price, final double size, final double bid, final double ask,
        final double bidSize, final double askSize, final SignalOutput out)
    {
        if (!accepts(price, size))
        {
            rejected++;
            return;
        }
        final double b = optional(bid);
        final double a = optional(ask);
        final double bs = optional(bidSize);
        final double as = optional(askSize);
        if ((++ticks & 1023) == 0 && timings != Timings.NONE)
        {
            for (int i = 0; i < tickCalculators.length; i++)
            {
                final long t0 = System.nanoTime();
                tickCalculators[i].onTick(symbolId, ts, seq, price, size, b, a, bs, as, tickIds[i], out);
                timings.computed(tickIds[i], System.nanoTime() - t0);
            }
        }
        else
        {
            for (int i = 0; i < tickCalculators.length; i++)
            {
                tickCalculators[i].onTick(symbolId, ts, seq, price, size, b, a, bs, as, tickIds[i], out);
            }
        }
        if (minuteBars != null)
        {
            barOut = out;
            minuteBars.onTick(symbolId, ts, price, size, toBarSignals);
            // after the bar this tick may have completed: bar signals that also keep tick state (volume_profile) take it now
            for (int i = 0; i < barCalculators.length; i++)
            {
                barCalculators[i].onTick(symbolId, ts, seq, price, size, b, a, bs, as, barIds[i], out);
            }
        }
    }

    /**
     * Completes one symbol's open 1-minute bar, whose bar signals are emitted now: at a boundary of a
     * longer bar of that symbol, before the tick that crossed it reaches any calculator.
     */
    public void completeMinute(final int symbolId, final SignalOutput out)
    {
        if (minuteBars != null)
        {
            barOut = out;
            minuteBars.completeSymbol(symbolId, toBarSignals);
        }
    }

    /** The end of the stream: completes the open 1-minute bars, whose bar signals are emitted now. */
    public void finish(final SignalOutput out)
    {
        if (minuteBars != null)
        {
            barOut = out;
            minuteBars.completeAll(toBarSignals);
        }
    }

    /**
     * Whether a tick is used at all: its price a finite number > 0 and its size a finite number >= 0
     * (NaN fails both comparisons). A tick that is not is counted as rejected and changes nothing.
     */
    public static boolean accepts(final double price, final double size)
    {
        return price > 0 && price != Double.POSITIVE_INFINITY && size >= 0 && size != Double.POSITIVE_INFINITY;
    }

    /** NaN for what the definitions treat as absent: not a number, infinite or negative. */
    static double optional(final double v)
    {
        return v >= 0 && v != Double.POSITIVE_INFINITY ? v : Double.NaN;
    }
}
