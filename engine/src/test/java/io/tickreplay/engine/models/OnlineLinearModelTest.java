package io.tickreplay.engine.models;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** {@code online_linear} of docs/models.md against the spec's formulas written out with plain loops and 2-D arrays. */
class OnlineLinearModelTest
{
    private static final int FEATURES = 10;
    private static final double LAMBDA = 0.999;
    private static final double DELTA = 100;
    private static final int SYMBOLS = 2;
    private static final int BARS = 3000;

    /**
     * The spec, one symbol, as a reader would write it from docs/models.md: the whole history kept, P a
     * 2-D array, {@code x'P} taken as the row vector it is (no symmetry assumed).
     */
    private static final class Reference
    {
        final int d;
        final int h;
        final double[] w;
        final double[][] p;
        final List<double[]> xs = new ArrayList<>();
        final List<Double> closes = new ArrayList<>();
        final List<Boolean> predicted = new ArrayList<>();

        Reference(final int features, final int h)
        {
            this.d = features + 1;
            this.h = h;
            w = new double[d];
            p = new double[d][d];
            for (int i = 0; i < d; i++)
            {
                p[i][i] = DELTA;
            }
        }

        double onBarClose(final double close, final double[] features)
        {
            final int t = closes.size();
            if (t >= h && predicted.get(t - h))
            {
                final double y = Math.log(close / closes.get(t - h));
                final double[] x = xs.get(t - h);
                final double[] px = new double[d];
                final double[] xp = new double[d];
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        px[i] += p[i][j] * x[j];
                        xp[j] += x[i] * p[i][j];
                    }
                }
                double xpx = 0;
                double wx = 0;
                for (int i = 0; i < d; i++)
                {
                    xpx += x[i] * px[i];
                    wx += w[i] * x[i];
                }
                final double[] k = new double[d];
                for (int i = 0; i < d; i++)
                {
                    k[i] = px[i] / (LAMBDA + xpx);
                    w[i] += k[i] * (y - wx);
                }
                for (int i = 0; i < d; i++)
                {
                    for (int j = 0; j < d; j++)
                    {
                        p[i][j] = (p[i][j] - k[i] * xp[j]) / LAMBDA;
                    }
                }
            }
            final double[] x = new double[d];
            x[0] = 1;
            boolean complete = true;
            for (int i = 0; i < d - 1; i++)
            {
                x[i + 1] = features[i];
                complete &= !Double.isNaN(features[i]);
            }
            closes.add(close);
            xs.add(x);
            predicted.add(complete);
            if (!complete)
            {
                return Double.NaN;
            }
            double prediction = 0;
            for (int i = 0; i < d; i++)
            {
                prediction += w[i] * x[i];
            }
            return prediction;
        }

        /** The scale of the last prediction's terms, sum |w_i x_i|: what a dot product's rounding is relative to. */
        double scale(final double[] features)
        {
            double sum = Math.abs(w[0]);
            for (int i = 1; i < d; i++)
            {
                sum += Math.abs(w[i] * features[i - 1]);
            }
            return sum;
        }
    }

    /** A session of bars: per symbol, a random walk of closes and ten features of the scales real signals have. */
    private static final class Session
    {
        final double[][] closes = new double[SYMBOLS][BARS];
        final double[][][] features = new double[SYMBOLS][BARS][FEATURES];

        Session(final long seed)
        {
            final Random random = new Random(seed);
            for (int s = 0; s < SYMBOLS; s++)
            {
                double close = s == 0 ? 187.5 : 42.25;
                for (int t = 0; t < BARS; t++)
                {
                    close *= Math.exp(0.0015 * random.nextGaussian() + 0.00002);
                    closes[s][t] = close;
                }
                for (int t = 0; t < BARS; t++)
                {
                    final double[] f = features[s][t];
                    final double[] c = closes[s];
                    for (int lag = 0; lag < 4; lag++) // log returns of the last bars, in bps
                    {
                        f[lag] = t - lag >= 1 ? 1e4 * Math.log(c[t - lag] / c[t - lag - 1]) : Double.NaN;
                    }
                    f[4] = rsi(c, t);
                    f[5] = zScore(c, t);
                    f[6] = Math.log(5_000 + 20_000 * random.nextDouble()); // log volume
                    f[7] = 0.5 + 4 * random.nextDouble(); // spread_bps
                    f[8] = random.nextGaussian(); // tick_rate_zscore
                    f[9] = 0.3 * f[0] + random.nextGaussian(); // book imbalance, correlated with the last return
                    if (random.nextDouble() < 0.02) // a null now and then, as a signal without a value
                    {
                        f[random.nextInt(FEATURES)] = Double.NaN;
                    }
                }
            }
        }

        private static double rsi(final double[] c, final int t)
        {
            if (t < 14)
            {
                return Double.NaN;
            }
            double gain = 0;
            double loss = 0;
            for (int i = t - 13; i <= t; i++)
            {
                final double change = c[i] - c[i - 1];
                gain += Math.max(change, 0);
                loss += Math.max(-change, 0);
            }
            return loss == 0 ? 100 : 100 - 100 / (1 + gain / loss);
        }

        private static double zScore(final double[] c, final int t)
        {
            if (t < 19)
            {
                return Double.NaN;
            }
            double mean = 0;
            for (int i = t - 19; i <= t; i++)
            {
                mean += c[i] / 20;
            }
            double var = 0;
            for (int i = t - 19; i <= t; i++)
            {
                var += (c[i] - mean) * (c[i] - mean) / 20;
            }
            return (c[t] - mean) / Math.sqrt(var);
        }
    }

    @ParameterizedTest(name = "h = {0}")
    @ValueSource(ints = {1, 5})
    void predictionsAndWeightsAreTheSpecsFormulasOnARandomWalkWithNullFeatures(final int h)
    {
        final Session session = new Session(23);
        final OnlineLinearModel model = new OnlineLinearModel(FEATURES, h, LAMBDA, DELTA, SYMBOLS);
        final Reference[] reference = {new Reference(FEATURES, h), new Reference(FEATURES, h)};
        int predictions = 0;
        int updates = 0;
        int missing = 0;
        for (int t = 0; t < BARS; t++)
        {
            for (int s = 0; s < SYMBOLS; s++) // (ts, symbol) order: the symbols' bars interleave
            {
                final double[] f = session.features[s][t];
                final double expected = reference[s].onBarClose(session.closes[s][t], f);
                final double actual = model.onBarClose(s, session.closes[s][t], f);
                if (Double.isNaN(expected))
                {
                    assertThat(actual).as("symbol %d bar %d", s, t).isNaN();
                    missing++;
                    continue;
                }
                predictions++;
                updates += Double.isNaN(model.lastLabel()) ? 0 : 1;
                // relative to the size of the dot product's terms: a prediction near 0 is a sum of terms that cancel
                assertThat(actual).as("symbol %d bar %d", s, t).isCloseTo(expected, within(1e-9 * reference[s].scale(f)));
            }
        }
        assertThat(missing).isGreaterThan(100);
        assertThat(updates).isGreaterThan(predictions * 9 / 10);
        for (int s = 0; s < SYMBOLS; s++)
        {
            final double[] w = new double[FEATURES + 1];
            model.weights(s, w, 0);
            final double norm = Arrays.stream(reference[s].w).map(Math::abs).max().orElseThrow();
            assertThat(norm).isGreaterThan(0);
            for (int i = 0; i <= FEATURES; i++)
            {
                assertThat(w[i]).as("symbol %d weight %d", s, i).isCloseTo(reference[s].w[i], within(1e-9 * norm));
                assertThat(model.weight(s, i)).isEqualTo(w[i]);
            }
        }
    }

    @Test
    void theFirstUpdateIsTheOneWorkedOutByHand()
    {
        final OnlineLinearModel model = new OnlineLinearModel(1, 1, 0.5, 2, 1);
        assertThat(model.onBarClose(0, 100, new double[] {3})).isEqualTo(0.0); // w = 0
        assertThat(model.lastLabel()).isNaN();

        // x = [1, 3], P = 2I: P x = [2, 6], x'P x = 20, k = [2, 6] / 20.5, y = ln(101/100), w = k y
        final double y = Math.log(101.0 / 100);
        final double w0 = 2 / 20.5 * y;
        final double w1 = 6 / 20.5 * y;
        final double prediction = model.onBarClose(0, 101, new double[] {-1});
        assertThat(model.lastLabel()).isEqualTo(y);
        assertThat(model.lastLabelledPrediction()).isEqualTo(0.0);
        assertThat(model.weight(0, 0)).isCloseTo(w0, within(1e-15));
        assertThat(model.weight(0, 1)).isCloseTo(w1, within(1e-15));
        assertThat(prediction).isCloseTo(w0 - w1, within(1e-15));
    }

    @Test
    void aBarWithANullFeatureGetsNoPredictionAndBringsNoUpdateHBarsLater()
    {
        final OnlineLinearModel model = new OnlineLinearModel(2, 2, 1, 10, 1);
        assertThat(model.onBarClose(0, 100, new double[] {1, Double.NaN})).isNaN();
        assertThat(model.onBarClose(0, 101, new double[] {1, 2})).isEqualTo(0.0);
        assertThat(model.onBarClose(0, 102, new double[] {1, 2})).isEqualTo(0.0); // bar 0 had none: no update
        assertThat(model.lastLabel()).isNaN();
        assertThat(model.weight(0, 0)).isZero();
        // an infinite feature is no value either: it would poison w and P for good
        assertThat(model.onBarClose(0, 103, new double[] {Double.POSITIVE_INFINITY, 2})).isNaN();
        assertThat(model.lastLabel()).isEqualTo(Math.log(103.0 / 101)); // bar 1's label: the update happens all the same
        assertThat(model.weight(0, 0)).isNotZero();
        model.onBarClose(0, 104, new double[] {1, 2});
        final double w0 = model.weight(0, 0);
        model.onBarClose(0, 105, new double[] {1, 2}); // bar 3 had none
        assertThat(model.lastLabel()).isNaN();
        assertThat(model.weight(0, 0)).isEqualTo(w0);
        assertThat(model.bars(0)).isEqualTo(6);
    }

    @Test
    void changingClosesAndFeaturesAfterABarDoesNotChangeItsPrediction()
    {
        final Session a = new Session(5);
        final Session b = new Session(5);
        final int cut = 1234;
        final Random random = new Random(99);
        for (int s = 0; s < SYMBOLS; s++)
        {
            for (int t = cut + 1; t < BARS; t++)
            {
                b.closes[s][t] *= Math.exp(0.01 * random.nextGaussian());
                b.features[s][t][3] = random.nextGaussian() * 50;
            }
        }
        final double[][] predictionsA = run(a, 5);
        final double[][] predictionsB = run(b, 5);
        for (int s = 0; s < SYMBOLS; s++)
        {
            for (int t = 0; t <= cut; t++)
            {
                assertThat(bits(predictionsB[s][t])).as("symbol %d bar %d", s, t).isEqualTo(bits(predictionsA[s][t]));
            }
            int differ = 0;
            for (int t = cut + 1; t < BARS; t++)
            {
                differ += Double.compare(predictionsB[s][t], predictionsA[s][t]) != 0 ? 1 : 0;
            }
            assertThat(differ).isGreaterThan(BARS - cut - 100);
        }
    }

    @Test
    void aModelResumedFromAMidStreamCheckpointPredictsWhatAnUninterruptedOneDoes()
    {
        final Session session = new Session(11);
        final int h = 5;
        final double[][] uninterrupted = run(session, h);

        final OnlineLinearModel before = new OnlineLinearModel(FEATURES, h, LAMBDA, DELTA, SYMBOLS);
        final int cut = 1777;
        for (int t = 0; t < cut; t++)
        {
            for (int s = 0; s < SYMBOLS; s++)
            {
                before.onBarClose(s, session.closes[s][t], session.features[s][t]);
            }
        }
        final UnsafeBuffer checkpoint = new UnsafeBuffer(new byte[7 + SYMBOLS * before.stateLength()]);
        int end = 7;
        for (int s = 0; s < SYMBOLS; s++)
        {
            end = before.writeState(s, checkpoint, end);
        }
        assertThat(end).isEqualTo(checkpoint.capacity());

        final OnlineLinearModel after = new OnlineLinearModel(FEATURES, h, LAMBDA, DELTA, SYMBOLS);
        int at = 7;
        for (int s = 0; s < SYMBOLS; s++)
        {
            at = after.readState(s, checkpoint, at);
        }
        assertThat(at).isEqualTo(end);
        for (int t = cut; t < BARS; t++)
        {
            for (int s = 0; s < SYMBOLS; s++)
            {
                final double prediction = after.onBarClose(s, session.closes[s][t], session.features[s][t]);
                assertThat(bits(prediction)).as("symbol %d bar %d", s, t).isEqualTo(bits(uninterrupted[s][t]));
            }
        }
    }

    @Test
    void aStateIsReadOnlyByAModelWithTheSameParameters()
    {
        final OnlineLinearModel model = new OnlineLinearModel(3, 2, 0.99, 10, 1);
        final UnsafeBuffer state = new UnsafeBuffer(new byte[model.stateLength()]);
        model.writeState(0, state, 0);
        assertThatThrownBy(() -> new OnlineLinearModel(3, 2, 0.98, 10, 1).readState(0, state, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lambda=0.99").hasMessageContaining("lambda=0.98");
        assertThatThrownBy(() -> new OnlineLinearModel(3, 3, 0.99, 10, 1).readState(0, state, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("horizon=2");
        state.putInt(0, 9, java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThatThrownBy(() -> model.readState(0, state, 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version 9");
    }

    @Test
    void resetStartsTheSymbolAfreshAndLeavesTheOthers()
    {
        final Session session = new Session(3);
        final double[][] fresh = run(session, 1);
        final OnlineLinearModel model = new OnlineLinearModel(FEATURES, 1, LAMBDA, DELTA, SYMBOLS);
        for (int t = 0; t < 500; t++)
        {
            model.onBarClose(0, session.closes[1][t] * 2, session.features[1][t]);
        }
        model.reset(0);
        for (int t = 0; t < BARS; t++)
        {
            assertThat(bits(model.onBarClose(0, session.closes[0][t], session.features[0][t]))).isEqualTo(bits(fresh[0][t]));
        }
        assertThat(model.bars(1)).isZero();
    }

    @Test
    void parametersOutsideTheDefinitionAreRefusedByName()
    {
        assertThatThrownBy(() -> new OnlineLinearModel(0, 1, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("online_linear needs at least 1 feature, got 0");
        assertThatThrownBy(() -> new OnlineLinearModel(1, 0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("online_linear horizon must be >= 1 bar, got 0");
        for (final double lambda : new double[] {0, -0.5, 1.0000001, Double.NaN})
        {
            assertThatThrownBy(() -> new OnlineLinearModel(1, 1, lambda, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("online_linear lambda must be in (0, 1], got " + lambda);
        }
        for (final double delta : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY})
        {
            assertThatThrownBy(() -> new OnlineLinearModel(1, 1, 1, delta, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("online_linear delta must be finite and > 0, got " + delta);
        }
        assertThatThrownBy(() -> new OnlineLinearModel(1, 1, 1, 1, 0)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("online_linear needs at least 1 symbol, got 0");
        assertThatThrownBy(() -> new OnlineLinearModel(3, 1, 1, 1, 1).onBarClose(0, 100, new double[2]))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("online_linear expects 3 features, got 2");
    }

    private static double[][] run(final Session session, final int h)
    {
        final OnlineLinearModel model = new OnlineLinearModel(FEATURES, h, LAMBDA, DELTA, SYMBOLS);
        final double[][] predictions = new double[SYMBOLS][BARS];
        for (int t = 0; t < BARS; t++)
        {
            for (int s = 0; s < SYMBOLS; s++)
            {
                predictions[s][t] = model.onBarClose(s, session.closes[s][t], session.features[s][t]);
            }
        }
        return predictions;
    }

    /** A double's bits, so that equality is bit for bit and a NaN equals a NaN. */
    private static long bits(final double value)
    {
        return Double.doubleToLongBits(value);
    }
}
