package io.tickreplay.engine.features;

import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Feature rows from one symbol's ticks: no look-ahead, labels, and a plain recomputation. */
class FeatureBuilderTest
{
    private static final long T0 = Micros.of(Instant.parse("2025-11-03T14:00:00Z"));
    private static final long HOUR = Micros.PER_HOUR;

    /** A tick: ts, price, size, bid, ask. */
    record Tick(long ts, double price, double size, double bid, double ask)
    {
    }

    /** A row as handed out, copied. */
    record Row(long ts, double[] bar, long trades, double[] signals, double[] labels)
    {
    }

    private static List<Tick> ticks(final long from, final long to, final long seed)
    {
        final Random r = new Random(seed);
        final List<Tick> out = new ArrayList<>();
        double price = 100;
        for (long ts = from; ts < to; ts += 1 + r.nextInt(4_000_000))
        {
            price *= Math.exp(r.nextGaussian() * 0.001);
            // now and then a quote without a side: spread_bps has no value for that tick
            final double bid = r.nextInt(10) == 0 ? Double.NaN : price - 0.01 - r.nextDouble() * 0.02;
            out.add(new Tick(ts, price, 1 + r.nextInt(500), bid, price + 0.01 + r.nextDouble() * 0.02));
        }
        return out;
    }

    private static List<Row> run(final List<String> signals, final long interval, final int[] horizons, final long start, final long end,
        final List<Tick> ticks) throws IOException
    {
        final List<Row> rows = new ArrayList<>();
        final FeatureBuilder b = new FeatureBuilder(signals, interval, horizons, start, end,
            (ts, open, high, low, close, volume, trades, vwap, s, l) -> rows.add(new Row(ts, new double[] {open, high, low, close, volume, vwap}, trades,
                s.clone(), l.clone())));
        b.beginSymbol();
        int seq = 0;
        for (final Tick t : ticks)
        {
            if (t.ts() < end)
            {
                b.onTick(t.ts(), seq++, t.price(), t.size(), t.bid(), t.ask(), Double.NaN, Double.NaN);
            }
        }
        b.endSymbol();
        return rows;
    }

    @Test
    void changingTicksAfterABarsCloseChangesNoneOfItsFeatures() throws IOException
    {
        final List<Tick> ticks = ticks(T0, T0 + 3 * HOUR, 1);
        // at a bar boundary (the next bar's first tick is one of the changed ones) and inside a bar
        for (final long cut : new long[] {T0 + 2 * HOUR + 15 * Micros.PER_MINUTE, T0 + 2 * HOUR + 17 * Micros.PER_MINUTE + 12_345_678})
        {
            final List<Tick> changed = new ArrayList<>(ticks.stream().filter(t -> t.ts() < cut).toList());
            changed.addAll(ticks(cut, T0 + 3 * HOUR, 99)); // other times, prices and sizes after the cut
            for (final long interval : new long[] {BarBuilder.ONE_MINUTE, BarBuilder.FIVE_MINUTES})
            {
                final List<Row> before = run(List.of("all"), interval, new int[] {1, 5}, T0, T0 + 3 * HOUR, ticks);
                final List<Row> after = run(List.of("all"), interval, new int[] {1, 5}, T0, T0 + 3 * HOUR, changed);
                int compared = 0;
                for (int i = 0; i < before.size() && before.get(i).ts() + interval <= cut; i++)
                {
                    assertThat(after.get(i).ts()).isEqualTo(before.get(i).ts());
                    assertThat(after.get(i).bar()).containsExactly(before.get(i).bar());
                    assertThat(after.get(i).trades()).isEqualTo(before.get(i).trades());
                    assertThat(after.get(i).signals()).as("bar %d", i).containsExactly(before.get(i).signals());
                    compared++;
                }
                assertThat(compared).isGreaterThan(interval == BarBuilder.ONE_MINUTE ? 130 : 25);
                // the labels do look forward: some of the last rows before the cut differ
                final int n = compared;
                assertThat(java.util.stream.IntStream.range(0, n)).anySatisfy(i -> assertThat(after.get(i).labels()).isNotEqualTo(before.get(i).labels()));
            }
        }
    }

    @Test
    void rowsEqualAPlainRecomputationAndLabelsPastTheEndAreNull() throws IOException
    {
        final List<Tick> ticks = ticks(T0, T0 + 2 * HOUR, 5);
        final long start = T0 + 30 * Micros.PER_MINUTE;
        final long end = T0 + 2 * HOUR - 20 * Micros.PER_MINUTE;
        final int[] horizons = {1, 3, 15};
        final List<Row> rows = run(List.of("spread_bps", "rsi_14"), BarBuilder.FIVE_MINUTES, horizons, start, end, ticks);
        // plain: group by five-minute bucket, last spread at or before the bucket's last tick
        final TreeMap<Long, List<Tick>> buckets = new TreeMap<>();
        for (final Tick t : ticks)
        {
            if (t.ts() < end)
            {
                buckets.computeIfAbsent(t.ts() / BarBuilder.FIVE_MINUTES * BarBuilder.FIVE_MINUTES, k -> new ArrayList<>()).add(t);
            }
        }
        final List<Long> starts = buckets.keySet().stream().filter(s -> s >= start && s + BarBuilder.FIVE_MINUTES <= end).toList();
        assertThat(rows).extracting(Row::ts).containsExactlyElementsOf(starts);
        final List<Double> minuteCloses = new ArrayList<>();
        long minute = Long.MIN_VALUE;
        double spread = Double.NaN;
        int row = 0;
        for (final Tick t : ticks)
        {
            if (t.ts() >= end)
            {
                break;
            }
            if (t.ts() / Micros.PER_MINUTE != minute)
            {
                minute = t.ts() / Micros.PER_MINUTE;
                minuteCloses.add(t.price());
            }
            minuteCloses.set(minuteCloses.size() - 1, t.price());
            if (!Double.isNaN(t.bid()))
            {
                spread = (t.ask() - t.bid()) / ((t.ask() + t.bid()) / 2) * 10000;
            }
            final List<Tick> bucket = buckets.get(t.ts() / BarBuilder.FIVE_MINUTES * BarBuilder.FIVE_MINUTES);
            if (t == bucket.get(bucket.size() - 1) && row < starts.size() && starts.get(row) == t.ts() / BarBuilder.FIVE_MINUTES * BarBuilder.FIVE_MINUTES)
            {
                final Row r = rows.get(row++);
                assertThat(r.bar()[0]).isEqualTo(bucket.get(0).price());
                assertThat(r.bar()[1]).isEqualTo(bucket.stream().mapToDouble(Tick::price).max().orElseThrow());
                assertThat(r.bar()[2]).isEqualTo(bucket.stream().mapToDouble(Tick::price).min().orElseThrow());
                assertThat(r.bar()[3]).isEqualTo(t.price());
                assertThat(r.trades()).isEqualTo(bucket.size());
                final double volume = bucket.stream().mapToDouble(Tick::size).sum();
                assertThat(r.bar()[4]).isCloseTo(volume, within(1e-9 * volume));
                assertThat(r.bar()[5]).isCloseTo(bucket.stream().mapToDouble(x -> x.price() * x.size()).sum() / volume, within(1e-9 * t.price()));
                assertThat(r.signals()[0]).isCloseTo(spread, within(1e-9 * Math.abs(spread)));
                assertThat(r.signals()[1]).isCloseTo(rsi14(minuteCloses), within(1e-9 * 100));
            }
        }
        assertThat(row).isEqualTo(starts.size());
        for (int i = 0; i < rows.size(); i++)
        {
            for (int j = 0; j < horizons.length; j++)
            {
                final double label = rows.get(i).labels()[j];
                if (i + horizons[j] >= rows.size())
                {
                    assertThat(label).as("row %d horizon %d past the end", i, horizons[j]).isNaN();
                }
                else
                {
                    assertThat(label).isCloseTo(Math.log(rows.get(i + horizons[j]).bar()[3] / rows.get(i).bar()[3]), within(1e-12));
                }
            }
        }
    }

    /** Wilder's RSI 14 over the closes, as docs/signals.md words it. */
    private static double rsi14(final List<Double> closes)
    {
        if (closes.size() < 15)
        {
            return Double.NaN;
        }
        double gain = 0;
        double loss = 0;
        for (int i = 1; i <= 14; i++)
        {
            final double d = closes.get(i) - closes.get(i - 1);
            gain += Math.max(d, 0) / 14;
            loss += Math.max(-d, 0) / 14;
        }
        for (int i = 15; i < closes.size(); i++)
        {
            final double d = closes.get(i) - closes.get(i - 1);
            gain = (gain * 13 + Math.max(d, 0)) / 14;
            loss = (loss * 13 + Math.max(-d, 0)) / 14;
        }
        return loss == 0 ? 100 : 100 - 100 / (1 + gain / loss);
    }

    @Test
    void aSymbolWithFewerBarsThanTheLongestHorizonGetsItsRowsWithNullLabels() throws IOException
    {
        final List<Row> rows = run(List.of("none"), BarBuilder.ONE_MINUTE, new int[] {60}, T0, T0 + HOUR, ticks(T0, T0 + 10 * Micros.PER_MINUTE, 3));
        assertThat(rows).hasSize(10).allSatisfy(r -> assertThat(r.labels()[0]).isNaN());
    }

    @Test
    void horizonsMustBeDistinctAndPositive()
    {
        assertThatThrownBy(() -> new FeatureBuilder(List.of("all"), BarBuilder.ONE_MINUTE, new int[] {1, 1}, 0, 1, null))
            .hasMessageContaining("horizons");
        assertThatThrownBy(() -> new FeatureBuilder(List.of("all"), BarBuilder.ONE_MINUTE, new int[] {0}, 0, 1, null)).hasMessageContaining("horizons");
        assertThatThrownBy(() -> new FeatureBuilder(List.of("rsi"), BarBuilder.ONE_MINUTE, new int[] {1}, 0, 1, null)).hasMessageContaining("unknown signal");
    }
}
