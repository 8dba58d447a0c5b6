package io.tickreplay.engine.signals;

import io.tickreplay.engine.features.FeatureBuilder;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.models.OnlineLinearModel;
import io.tickreplay.engine.models.Predictor;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The model stage of the signal chain: a model is fed, for each bar of its interval inside the window,
 * exactly the feature row {@code export features} writes for that bar (the FeatureBuilder, one symbol at
 * a time), bit for bit, although the chain sees every symbol interleaved; its predictions are the bar
 * signal {@code pred_<name>} at the bar's start; warm-up bars reach no model; a tick after a bar's
 * close changes none of its predictions.
 */
class ModelStageTest
{
    private static final long T0 = Micros.of(Instant.parse("2025-11-03T14:00:00Z"));
    private static final long MINUTE = Micros.PER_MINUTE;
    private static final List<String> SIGNALS = List.of("all");

    record Tick(int symbol, long ts, int seq, double price, double size, double bid, double ask)
    {
    }

    /** What a model was fed: symbol, bar close, features. */
    record Fed(int symbol, double close, double[] x)
    {
    }

    private static List<Tick> ticks(final int symbols, final long from, final long to, final long seed)
    {
        final Random r = new Random(seed);
        final List<Tick> out = new ArrayList<>();
        for (int s = 0; s < symbols; s++)
        {
            double price = 100 + 50 * s;
            int seq = 0;
            for (long ts = from + r.nextInt(1_000_000); ts < to; ts += 1 + r.nextInt(3_000_000))
            {
                price *= Math.exp(r.nextGaussian() * 0.001);
                final double bid = r.nextInt(10) == 0 ? Double.NaN : price - 0.01 - r.nextDouble() * 0.02;
                out.add(new Tick(s, ts, seq++, price, 1 + r.nextInt(500), bid, price + 0.01 + r.nextDouble() * 0.02));
            }
        }
        out.sort(Comparator.comparingLong(Tick::ts).thenComparingInt(Tick::symbol));
        return out;
    }

    /** The export's rows of each symbol: bar columns then signals, keyed by bar start. */
    private static List<TreeMap<Long, double[]>> exported(final List<Tick> ticks, final int symbols, final long interval, final long start,
        final long end) throws IOException
    {
        final List<TreeMap<Long, double[]>> out = new ArrayList<>();
        for (int s = 0; s < symbols; s++)
        {
            final TreeMap<Long, double[]> rows = new TreeMap<>();
            final FeatureBuilder b = new FeatureBuilder(SIGNALS, interval, new int[] {1}, start, end,
                (ts, open, high, low, close, volume, trades, vwap, sig, labels) ->
                {
                    final double[] row = new double[7 + sig.length];
                    final double[] bar = {open, high, low, close, volume, trades, vwap};
                    System.arraycopy(bar, 0, row, 0, 7);
                    System.arraycopy(sig, 0, row, 7, sig.length);
                    rows.put(ts, row);
                });
            b.beginSymbol();
            for (final Tick t : ticks)
            {
                if (t.symbol() == s && t.ts() < end)
                {
                    b.onTick(t.ts(), t.seq(), t.price(), t.size(), t.bid(), t.ask(), Double.NaN, Double.NaN);
                }
            }
            b.endSymbol();
            out.add(rows);
        }
        return out;
    }

    /** Runs a chain over {@code ticks} with the models; returns the rows of each pred signal: name -> symbol -> ts -> value. */
    private static Map<String, List<TreeMap<Long, Double>>> chain(final List<Tick> ticks, final int symbols, final long start, final long end,
        final List<ModelSpec> models)
    {
        final SignalChain[] made = new SignalChain[1];
        final Map<String, List<TreeMap<Long, Double>>> preds = new TreeMap<>();
        for (final ModelSpec m : models)
        {
            final List<TreeMap<Long, Double>> bySymbol = new ArrayList<>();
            for (int s = 0; s < symbols; s++)
            {
                bySymbol.add(new TreeMap<>());
            }
            preds.put(m.signalName(), bySymbol);
        }
        final SignalSink sink = new SignalSink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1, final double m2,
                final double m3)
            {
                final String name = made[0].signalsNamed().get(signalId).name();
                if (preds.containsKey(name))
                {
                    assertThat(preds.get(name).get(symbolId).put(ts, value)).as("one row per (signal, symbol, ts)").isNull();
                }
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
            }
        };
        made[0] = SignalChain.context().signals(SIGNALS).symbols(symbols).window(start, end).models(models).sink(sink).build();
        for (final Tick t : ticks)
        {
            if (t.ts() < end)
            {
                made[0].onTick(t.symbol(), t.ts(), t.seq(), t.price(), t.size(), t.bid(), t.ask(), Double.NaN, Double.NaN);
                made[0].endOfBatch();
            }
        }
        made[0].end();
        return preds;
    }

    private static ModelSpec recording(final String name, final long interval, final List<String> features, final List<Fed> fed)
    {
        return new ModelSpec(name, interval, 1, features, Map.of(), symbols -> (symbol, close, x) ->
        {
            fed.add(new Fed(symbol, close, x.clone()));
            double sum = 0;
            for (final double v : x)
            {
                sum += v;
            }
            return sum;
        });
    }

    @Test
    void aModelIsFedTheExportedFeatureRowOfEachBarBitForBit() throws IOException
    {
        final int symbols = 3;
        final long start = T0 + 40 * MINUTE;
        final long end = T0 + 4 * Micros.PER_HOUR;
        final List<Tick> ticks = ticks(symbols, T0, end + 10 * MINUTE, 7);
        final List<String> columns = SignalChain.featureColumns(SignalSet.of(SIGNALS, 1).calculators());
        for (final long interval : new long[] {BarBuilder.ONE_MINUTE, BarBuilder.FIVE_MINUTES})
        {
            final List<Fed> fed = new ArrayList<>();
            final Map<String, List<TreeMap<Long, Double>>> preds = chain(ticks, symbols, start, end, List.of(recording("all_columns", interval, columns, fed)));
            final List<TreeMap<Long, double[]>> rows = exported(ticks, symbols, interval, start, end);
            for (int s = 0; s < symbols; s++)
            {
                final int symbol = s;
                final List<double[]> got = fed.stream().filter(f -> f.symbol() == symbol).map(Fed::x).toList();
                final List<double[]> want = new ArrayList<>(rows.get(s).values());
                assertThat(got).as("bars of symbol %d, interval %d", s, interval).hasSize(want.size()).hasSizeGreaterThan(10);
                for (int i = 0; i < want.size(); i++)
                {
                    assertThat(bits(got.get(i))).as("symbol %d bar %d: %s", s, i, columns).containsExactly(bits(want.get(i)));
                }
                // a prediction per bar with every feature, at the bar's start; NaN features (a signal without value) give none
                final TreeMap<Long, Double> p = preds.get("pred_all_columns").get(s);
                for (final Map.Entry<Long, double[]> row : rows.get(s).entrySet())
                {
                    final double sum = java.util.Arrays.stream(row.getValue()).sum();
                    if (Double.isFinite(sum))
                    {
                        assertThat(p.get(row.getKey())).as("pred at %s", Instant.ofEpochSecond(0, row.getKey() * 1000)).isEqualTo(sum);
                    }
                    else
                    {
                        assertThat(p).doesNotContainKey(row.getKey());
                    }
                }
                assertThat(p.keySet()).isSubsetOf(rows.get(s).keySet()).allMatch(ts -> ts >= start && ts + interval <= end);
            }
        }
    }

    @Test
    void ticksAfterABarsCloseChangeNoneOfItsPredictions()
    {
        final int symbols = 2;
        final long start = T0 + 30 * MINUTE;
        final long end = T0 + 3 * Micros.PER_HOUR;
        final List<Tick> ticks = ticks(symbols, T0, end, 3);
        final long cut = T0 + 2 * Micros.PER_HOUR + 5 * MINUTE; // a 5-minute boundary
        final List<Tick> changed = new ArrayList<>(ticks.stream().filter(t -> t.ts() < cut).toList());
        changed.addAll(ticks(symbols, cut, end, 99).stream().map(t -> new Tick(t.symbol(), t.ts(), t.seq() + 1_000_000, t.price() * 1.5, t.size(),
            t.bid(), t.ask())).toList());
        changed.sort(Comparator.comparingLong(Tick::ts).thenComparingInt(Tick::symbol));
        final List<ModelSpec> rls = List.of(new ModelSpec("rls", BarBuilder.FIVE_MINUTES, 2, List.of("close", "rsi_14", "vwap_deviation_bps"),
            Map.of(), n -> Predictor.of(new OnlineLinearModel(3, 2, 0.99, 100, n))));
        final Map<String, List<TreeMap<Long, Double>>> before = chain(ticks, symbols, start, end, rls);
        final Map<String, List<TreeMap<Long, Double>>> after = chain(changed, symbols, start, end, rls);
        for (int s = 0; s < symbols; s++)
        {
            final TreeMap<Long, Double> a = before.get("pred_rls").get(s);
            assertThat(a.headMap(cut)).hasSizeGreaterThan(10).isEqualTo(after.get("pred_rls").get(s).headMap(cut));
            assertThat(a.tailMap(cut)).isNotEqualTo(after.get("pred_rls").get(s).tailMap(cut)); // the change did reach later bars
        }
    }

    @Test
    void aModelReadingAColumnTheChainDoesNotComputeIsRefused()
    {
        assertThatThrownBy(() -> SignalChain.context().signals(List.of("spread_bps")).symbols(1)
            .models(List.of(new ModelSpec("m", BarBuilder.ONE_MINUTE, 1, List.of("close", "rsi_14"), Map.of(), n -> (s, c, x) -> 0))).build())
            .hasMessageContaining("model m reads rsi_14");
    }

    private static long[] bits(final double[] values)
    {
        return java.util.Arrays.stream(values).mapToLong(Double::doubleToRawLongBits).toArray();
    }
}
