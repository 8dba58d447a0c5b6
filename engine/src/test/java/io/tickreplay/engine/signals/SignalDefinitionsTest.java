package io.tickreplay.engine.signals;

import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Each definition of docs/signals.md against hand-computed cases and its edges. */
class SignalDefinitionsTest
{
    private static final long T0 = Micros.of(Instant.parse("2025-11-03T14:30:00Z"));
    private static final double NONE = Double.NaN;

    /** One emitted value. */
    record Out(String name, int symbol, long ts, int seq, double value, double m1, double m2, double m3)
    {
    }

    private static final class Recorder implements SignalOutput
    {
        final List<Out> out = new ArrayList<>();
        final SignalSet set;

        Recorder(final SignalSet set)
        {
            this.set = set;
        }

        @Override
        public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1, final double m2,
            final double m3)
        {
            out.add(new Out(set.calculators().get(signalId).name(), symbolId, ts, seq, value, m1, m2, m3));
        }

        List<Out> named(final String name)
        {
            return out.stream().filter(o -> o.name().equals(name)).toList();
        }
    }

    private static Recorder run(final String signal, final double[][] ticks)
    {
        final SignalSet set = SignalSet.of(List.of(signal), 2);
        final Recorder r = new Recorder(set);
        for (final double[] t : ticks)
        {
            // {symbol, ts offset us, price, size, bid, ask, bid size, ask size}
            set.onTick((int)t[0], T0 + (long)t[1], 0, t[2], t[3], t[4], t[5], t[6], t[7], r);
        }
        set.finish(r);
        return r;
    }

    @Test
    void vwapDeviationAgainstTheDaysVolumeWeightedPrice()
    {
        final Recorder r = run("vwap_deviation_bps", new double[][] {
            {0, 0, 10, 0, NONE, NONE, NONE, NONE},        // zero size: no volume yet, nothing emitted
            {0, 1, 10, 1, NONE, NONE, NONE, NONE},
            {0, 2, 20, 3, NONE, NONE, NONE, NONE},
            {1, 3, 50, 2, NONE, NONE, NONE, NONE},        // another symbol has its own VWAP
            {0, Micros.PER_DAY, 30, 1, NONE, NONE, NONE, NONE}, // the next UTC day starts afresh
        });
        final List<Out> v = r.named("vwap_deviation_bps");
        assertThat(v).hasSize(4);
        assertThat(v.get(0).value()).isZero();
        assertThat(v.get(1).value()).isCloseTo((20 - 17.5) / 17.5 * 10000, within(1e-9));
        assertThat(v.get(1).m1()).isEqualTo(17.5);
        assertThat(v.get(1).m2()).isEqualTo(4);
        assertThat(v.get(2).value()).isZero();
        assertThat(v.get(3).value()).isZero();
        assertThat(v.get(3).m2()).isEqualTo(1);
    }

    @Test
    void vwapHandlesTinyAndHugePricesToTheSpecsPrecision()
    {
        final Recorder tiny = run("vwap_deviation_bps", new double[][] {{0, 0, 1e-6, 3, NONE, NONE, NONE, NONE}, {0, 1, 2e-6, 1, NONE, NONE, NONE, NONE}});
        assertThat(tiny.out.get(1).value()).isCloseTo((2e-6 - 5e-6 / 4) / (5e-6 / 4) * 10000, within(1e-9 * 6000));
        final Recorder huge = run("vwap_deviation_bps", new double[][] {{0, 0, 1e7, 3, NONE, NONE, NONE, NONE}, {0, 1, 2e7, 1, NONE, NONE, NONE, NONE}});
        assertThat(huge.out.get(1).value()).isCloseTo(6000, within(1e-9 * 6000));
    }

    @Test
    void spreadNeedsAnOrderedBookOfPositiveQuotes()
    {
        final Recorder r = run("spread_bps", new double[][] {
            {0, 0, 100, 1, 99.99, 100.01, NONE, NONE},
            {0, 1, 100, 1, 100, 100, NONE, NONE},         // locked: 0
            {0, 2, 100, 1, 100.02, 100.01, NONE, NONE},   // crossed: nothing
            {0, 3, 100, 1, NONE, 100.01, NONE, NONE},     // no bid: nothing
            {0, 4, 100, 1, 0, 100.01, NONE, NONE},        // zero bid: nothing
            {0, 5, 100, 1, -1, 100.01, NONE, NONE},       // negative: absent
        });
        final List<Out> v = r.named("spread_bps");
        assertThat(v).hasSize(2);
        assertThat(v.get(0).value()).isCloseTo(2.0, within(1e-9));
        assertThat(v.get(0).m1()).isCloseTo(100.0, within(1e-12));
        assertThat(v.get(1).value()).isZero();
    }

    @Test
    void bookImbalanceNeedsBothSizesAndSomeSize()
    {
        final Recorder r = run("book_imbalance", new double[][] {
            {0, 0, 100, 1, NONE, NONE, 300, 100},
            {0, 1, 100, 1, NONE, NONE, 0, 0},
            {0, 2, 100, 1, NONE, NONE, NONE, 100},
            {0, 3, 100, 1, NONE, NONE, 0, 50},
        });
        assertThat(r.named("book_imbalance")).extracting(Out::value).containsExactly(0.5, -1.0);
    }

    @Test
    void tickRateZScoreAgainstThePrevious60SecondBuckets()
    {
        final List<double[]> ticks = new ArrayList<>();
        for (int second = 0; second < 60; second++)
        {
            final int count = second % 2 == 0 ? 1 : 3; // mean 2, sd 1
            for (int k = 0; k < count; k++)
            {
                ticks.add(new double[] {0, second * 1_000_000L + k, 10, 1, NONE, NONE, NONE, NONE});
            }
        }
        for (int k = 0; k < 5; k++)
        {
            ticks.add(new double[] {0, 60 * 1_000_000L + k, 10, 1, NONE, NONE, NONE, NONE});
        }
        final List<Out> v = run("tick_rate_zscore", ticks.toArray(double[][]::new)).named("tick_rate_zscore");
        final List<Out> last = v.subList(v.size() - 5, v.size());
        assertThat(last).extracting(Out::value).containsExactly(-1.0, 0.0, 1.0, 2.0, 3.0);
        assertThat(last.get(4).m1()).isEqualTo(5);
        assertThat(last.get(4).m2()).isEqualTo(2);
        assertThat(last.get(4).m3()).isEqualTo(1);
    }

    @Test
    void tickRateZScoreIsSilentOnAFlatHistoryAndForgetsAfterAGap()
    {
        final List<double[]> ticks = new ArrayList<>();
        for (int second = 0; second < 70; second++)
        {
            ticks.add(new double[] {0, second * 1_000_000L, 10, 1, NONE, NONE, NONE, NONE});
        }
        // one tick each second from the start: the buckets before the first tick count 0, so z is defined until the window is all ones
        final List<Out> flat = run("tick_rate_zscore", ticks.toArray(double[][]::new)).named("tick_rate_zscore");
        assertThat(flat).allSatisfy(o -> assertThat(o.ts() - T0).isLessThan(61_000_000L));
        ticks.add(new double[] {0, 500 * 1_000_000L, 10, 1, NONE, NONE, NONE, NONE});
        final List<Out> afterGap = run("tick_rate_zscore", ticks.toArray(double[][]::new)).named("tick_rate_zscore");
        assertThat(afterGap).noneMatch(o -> o.ts() - T0 == 500 * 1_000_000L);
    }

    @Test
    void tickRateZScoreEqualsABatchRecomputationOnRandomArrivals()
    {
        final Random random = new Random(7);
        final List<double[]> ticks = new ArrayList<>();
        long ts = 0;
        for (int i = 0; i < 20_000; i++)
        {
            ts += (long)(random.nextDouble() < 0.3 ? 0 : Math.abs(random.nextGaussian()) * 400_000);
            ticks.add(new double[] {0, ts, 10, 1, NONE, NONE, NONE, NONE});
        }
        final List<Out> streamed = run("tick_rate_zscore", ticks.toArray(double[][]::new)).named("tick_rate_zscore");
        // batch: count per bucket from scratch for every tick
        final List<Double> batch = new ArrayList<>();
        final java.util.Map<Long, Long> counts = new java.util.HashMap<>();
        final java.util.Map<Long, Long> seen = new java.util.HashMap<>();
        for (final double[] t : ticks)
        {
            final long b = Math.floorDiv(T0 + (long)t[1], 1_000_000L);
            counts.merge(b, 1L, Long::sum);
        }
        for (final double[] t : ticks)
        {
            final long b = Math.floorDiv(T0 + (long)t[1], 1_000_000L);
            final long c = seen.merge(b, 1L, Long::sum);
            long s = 0;
            long q = 0;
            for (long k = b - 60; k < b; k++)
            {
                final long n = counts.getOrDefault(k, 0L);
                s += n;
                q += n * n;
            }
            if (60 * q - s * s > 0)
            {
                batch.add((60 * c - s) / Math.sqrt(60.0 * q - (double)s * s));
            }
        }
        assertThat(streamed).hasSize(batch.size());
        for (int i = 0; i < batch.size(); i++)
        {
            assertThat(streamed.get(i).value()).isCloseTo(batch.get(i), within(1e-9 * Math.max(1, Math.abs(batch.get(i)))));
        }
    }

    @Test
    void rsiIsWildersOnMinuteClosesSeededWithSimpleMeans()
    {
        final double[] closes = {44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28,
            46.00, 46.03, 46.41, 46.22, 45.64};
        final List<double[]> ticks = new ArrayList<>();
        for (int m = 0; m < closes.length; m++)
        {
            ticks.add(new double[] {0, m * 60_000_000L + (m % 3 == 0 ? 60_000_000L * 0 : 0), closes[m] + 1, 1, NONE, NONE, NONE, NONE});
            ticks.add(new double[] {0, m * 60_000_000L + 30_000_000L, closes[m], 1, NONE, NONE, NONE, NONE});
        }
        final List<Out> rsi = run("rsi_14", ticks.toArray(double[][]::new)).named("rsi_14");
        // batch recomputation of the definition
        double gain = 0;
        double loss = 0;
        for (int i = 1; i <= 14; i++)
        {
            final double d = closes[i] - closes[i - 1];
            gain += Math.max(d, 0);
            loss += Math.max(-d, 0);
        }
        gain /= 14;
        loss /= 14;
        final List<Double> expected = new ArrayList<>();
        expected.add(100 - 100 / (1 + gain / loss));
        for (int i = 15; i < closes.length; i++)
        {
            final double d = closes[i] - closes[i - 1];
            gain = (gain * 13 + Math.max(d, 0)) / 14;
            loss = (loss * 13 + Math.max(-d, 0)) / 14;
            expected.add(100 - 100 / (1 + gain / loss));
        }
        assertThat(rsi).hasSize(closes.length - 14);
        for (int i = 0; i < expected.size(); i++)
        {
            assertThat(rsi.get(i).value()).isCloseTo(expected.get(i), within(1e-9));
            assertThat(rsi.get(i).ts()).isEqualTo(T0 + (14L + i) * 60_000_000L); // the bar's start
        }
        assertThat(rsi.get(0).value()).isCloseTo(70.46413502109705, within(1e-9));
    }

    @Test
    void rsiIsAHundredWithoutLossesAndSkipsEmptyMinutes()
    {
        final List<double[]> ticks = new ArrayList<>();
        for (int m = 0; m < 15; m++)
        {
            ticks.add(new double[] {0, m * 7 * 60_000_000L, 10 + m, 1, NONE, NONE, NONE, NONE}); // a bar every 7 minutes
        }
        final List<Out> rsi = run("rsi_14", ticks.toArray(double[][]::new)).named("rsi_14");
        assertThat(rsi).singleElement().satisfies(o -> assertThat(o.value()).isEqualTo(100.0));
    }

    @Test
    void bollingerZScoreOfTheLast20ClosesWithPopulationSd()
    {
        final List<double[]> ticks = new ArrayList<>();
        for (int m = 0; m < 21; m++)
        {
            ticks.add(new double[] {0, m * 60_000_000L, m + 1, 1, NONE, NONE, NONE, NONE});
        }
        final List<Out> bb = run("bb_zscore_20", ticks.toArray(double[][]::new)).named("bb_zscore_20");
        assertThat(bb).hasSize(2);
        final double sd = Math.sqrt((20.0 * 20 - 1) / 12);
        assertThat(bb.get(0).value()).isCloseTo((20 - 10.5) / sd, within(1e-9));
        assertThat(bb.get(0).m1()).isEqualTo(10.5);
        assertThat(bb.get(1).value()).isCloseTo((21 - 11.5) / sd, within(1e-9));

        final List<double[]> flat = new ArrayList<>();
        for (int m = 0; m < 25; m++)
        {
            flat.add(new double[] {0, m * 60_000_000L, 7, 1, NONE, NONE, NONE, NONE});
        }
        assertThat(run("bb_zscore_20", flat.toArray(double[][]::new)).named("bb_zscore_20")).isEmpty();

        // 20 equal closes that are not exact in binary: the mean of the sum comes out 100.09999999999997 and the sd 2.8e-14,
        // but the closes are all equal, so no value; the first different close gives one again
        final List<double[]> inexact = new ArrayList<>();
        for (int m = 0; m < 23; m++)
        {
            inexact.add(new double[] {0, m * 60_000_000L, m < 22 ? 100.1 : 100.2, 1, NONE, NONE, NONE, NONE});
        }
        assertThat(run("bb_zscore_20", inexact.toArray(double[][]::new)).named("bb_zscore_20")).singleElement()
            .satisfies(o -> assertThat(o.ts()).isEqualTo(T0 + 22 * 60_000_000L));
    }

    @Test
    void volumeProfileIsTheDaysVolumeShareBelowTheBarCloseWithHalfAtIt()
    {
        final List<Out> v = run("volume_profile", new double[][] {
            {0, 0, 10, 2, NONE, NONE, NONE, NONE},
            {0, 1, 11, 3, NONE, NONE, NONE, NONE},
            {0, 2, 10, 1, NONE, NONE, NONE, NONE},             // bar 0 closes at 10: (0 + 3 / 2) / 6
            {0, 60_000_000L, 12, 6, NONE, NONE, NONE, NONE},   // bar 1 closes at 12, the day's top: (6 + 6 / 2) / 12
            {0, Micros.PER_DAY, 5, 1, NONE, NONE, NONE, NONE}, // a new UTC day: only its own volume
        }).named("volume_profile");
        assertThat(v).extracting(Out::value).containsExactly(0.25, 0.75, 0.5);
        assertThat(v.get(0).m1()).isEqualTo(6);
        assertThat(v.get(2).m1()).isEqualTo(1);

        // many distinct prices: the table grows and stays exact
        final List<double[]> ticks = new ArrayList<>();
        for (int i = 0; i < 1000; i++)
        {
            ticks.add(new double[] {0, i, 100 + i * 0.01, 1, NONE, NONE, NONE, NONE});
        }
        ticks.add(new double[] {0, 60_000_000L, 100, 1, NONE, NONE, NONE, NONE});
        final List<Out> many = run("volume_profile", ticks.toArray(double[][]::new)).named("volume_profile");
        assertThat(many.get(0).value()).isCloseTo((999 + 0.5) / 1000, within(1e-12));
    }

    @Test
    void barsAreOhlcvPerIntervalCompletedByALaterTickOrTheEnd()
    {
        final BarBuilder bars = new BarBuilder(BarBuilder.FIVE_MINUTES, 1);
        final List<double[]> out = new ArrayList<>();
        final BarBuilder.BarOutput sink = (s, interval, start, open, high, low, close, volume, trades, vwap) ->
            out.add(new double[] {start - T0, open, high, low, close, volume, trades, vwap});
        bars.onTick(0, T0 + 10, 10, 1, sink);
        bars.onTick(0, T0 + 20, 12, 3, sink);
        bars.onTick(0, T0 + 30, 9, 0, sink);
        bars.onTick(0, T0 + 299_999_999L, 11, 2, sink);
        assertThat(out).isEmpty();
        bars.onTick(0, T0 + 300_000_000L, 50, 1, sink);
        assertThat(out).hasSize(1);
        assertThat(out.get(0)).containsExactly(0, 10, 12, 9, 11, 6, 4, (10 + 36 + 0 + 22) / 6.0);
        bars.completeAll(sink);
        assertThat(out.get(1)).containsExactly(300_000_000, 50, 50, 50, 50, 1, 1, 50);
        assertThat(BarBuilder.intervalName(BarBuilder.ONE_HOUR)).isEqualTo("1h");
    }

    @Test
    void badTicksAreRejectedCountedAndNeverReachADefinition()
    {
        final SignalSet set = SignalSet.of(List.of("all"), 1);
        final Recorder r = new Recorder(set);
        set.onTick(0, T0, 0, Double.NaN, 1, 1, 2, 1, 1, r);
        set.onTick(0, T0, 0, -5, 1, 1, 2, 1, 1, r);
        set.onTick(0, T0, 0, Double.POSITIVE_INFINITY, 1, 1, 2, 1, 1, r);
        set.onTick(0, T0, 0, 10, -1, 1, 2, 1, 1, r);
        set.onTick(0, T0, 0, 10, Double.NaN, 1, 2, 1, 1, r);
        assertThat(set.rejected()).isEqualTo(5);
        assertThat(r.out).isEmpty();
        set.onTick(0, T0, 0, 10, 1, Double.POSITIVE_INFINITY, 11, 1, 1, r);
        assertThat(r.named("spread_bps")).isEmpty();
        assertThat(r.named("vwap_deviation_bps")).hasSize(1);
    }

    @Test
    void selectionByNameAllAndNone()
    {
        assertThat(SignalSet.of(List.of("all"), 1).calculators()).extracting(SignalCalculator::name)
            .containsExactly("vwap_deviation_bps", "spread_bps", "tick_rate_zscore", "book_imbalance", "rsi_14", "bb_zscore_20", "volume_profile");
        assertThat(SignalSet.of(List.of("none"), 1).isEmpty()).isTrue();
        assertThat(SignalSet.of(List.of("spread_bps", "vwap_deviation_bps"), 1).calculators()).extracting(SignalCalculator::name)
            .containsExactly("spread_bps", "vwap_deviation_bps");
        assertThatThrownBy(() -> SignalSet.of(List.of("vwap"), 1)).hasMessageContaining("unknown signal 'vwap'").hasMessageContaining("spread_bps");
    }
}
