package io.tickreplay.engine.models;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The rolling scores of docs/models.md against a two-pass computation over the window after every arrival. */
class ModelScoresTest
{
    /** The scores of the last {@code window} pairs, two-pass, straight from the definitions. */
    private static double[] twoPass(final List<double[]> pairs, final int window)
    {
        final List<double[]> last = pairs.subList(Math.max(0, pairs.size() - window), pairs.size());
        final int m = last.size();
        if (m < 2)
        {
            return new double[] {Double.NaN, Double.NaN, Double.NaN, m};
        }
        double meanP = 0;
        double meanY = 0;
        for (final double[] pair : last)
        {
            meanP += pair[0] / m;
            meanY += pair[1] / m;
        }
        double cov = 0;
        double varP = 0;
        double varY = 0;
        double se = 0;
        int hits = 0;
        int signed = 0;
        boolean constantP = true;
        boolean constantY = true;
        for (final double[] pair : last)
        {
            cov += (pair[0] - meanP) * (pair[1] - meanY);
            varP += (pair[0] - meanP) * (pair[0] - meanP);
            varY += (pair[1] - meanY) * (pair[1] - meanY);
            se += (pair[0] - pair[1]) * (pair[0] - pair[1]);
            constantP &= pair[0] == last.get(0)[0];
            constantY &= pair[1] == last.get(0)[1];
            if (pair[0] != 0 && pair[1] != 0)
            {
                signed++;
                hits += Math.signum(pair[0]) == Math.signum(pair[1]) ? 1 : 0;
            }
        }
        final double ic = constantP || constantY ? Double.NaN : cov / Math.sqrt(varP * varY);
        return new double[] {ic, signed == 0 ? Double.NaN : (double)hits / signed, se / m, m};
    }

    private static void assertScores(final ModelScores scores, final int symbol, final double[] expected, final String as)
    {
        assertThat(scores.count(symbol)).as(as).isEqualTo((int)expected[3]);
        if (Double.isNaN(expected[0]))
        {
            assertThat(scores.ic(symbol)).as(as).isNaN();
        }
        else
        {
            assertThat(scores.ic(symbol)).as(as).isCloseTo(expected[0], within(1e-9));
        }
        if (Double.isNaN(expected[1]))
        {
            assertThat(scores.hitRate(symbol)).as(as).isNaN();
        }
        else
        {
            assertThat(scores.hitRate(symbol)).as(as).isEqualTo(expected[1]);
        }
        if (Double.isNaN(expected[2]))
        {
            assertThat(scores.mse(symbol)).as(as).isNaN();
        }
        else
        {
            assertThat(scores.mse(symbol)).as(as).isCloseTo(expected[2], within(1e-9 * expected[2]));
        }
    }

    /**
     * Pairs shaped like a model's: a first stretch of predictions exactly 0 (w = 0), then small predictions
     * correlated with the label, some exact zeros on both sides, a stretch of one repeated label, and a
     * stretch far from 0 (a biased model) where sums about 0 would cancel.
     */
    private static List<double[]> pairs(final long seed, final int count)
    {
        final Random random = new Random(seed);
        final List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final double y = random.nextInt(20) == 0 ? 0 : 0.002 * random.nextGaussian();
            double p = i < 60 ? 0 : 0.3 * y + 0.001 * random.nextGaussian();
            if (i >= 60 && random.nextInt(25) == 0)
            {
                p = 0;
            }
            if (i >= 700 && i < 760)
            {
                pairs.add(new double[] {p, 0.001});
                continue;
            }
            if (i >= 1500 && i < 2300)
            {
                p += 1_000; // a prediction with a large bias
            }
            pairs.add(new double[] {p, y});
        }
        return pairs;
    }

    @Test
    void everyArrivalScoresTheLastPairsAsATwoPassComputationDoes()
    {
        for (final int window : new int[] {2, 7, 50, ModelScores.DEFAULT_WINDOW})
        {
            final ModelScores scores = new ModelScores(3, window);
            final List<double[]> pairs0 = pairs(window, 3000);
            final List<double[]> pairs2 = pairs(window + 1, 3000);
            for (int i = 0; i < pairs0.size(); i++)
            {
                scores.onPair(0, pairs0.get(i)[0], pairs0.get(i)[1]);
                scores.onPair(2, pairs2.get(i)[0], pairs2.get(i)[1]);
                assertScores(scores, 0, twoPass(pairs0.subList(0, i + 1), window), "window " + window + " symbol 0 arrival " + i);
                assertScores(scores, 2, twoPass(pairs2.subList(0, i + 1), window), "window " + window + " symbol 2 arrival " + i);
                assertThat(scores.count(1)).isZero();
            }
        }
    }

    @Test
    void equalPredictionsHaveNoIcHowEverTheirSumsRound()
    {
        final ModelScores scores = new ModelScores(1, 20);
        final Random random = new Random(1);
        for (int i = 0; i < 45; i++)
        {
            scores.onPair(0, 100.1, random.nextGaussian());
        }
        assertThat(scores.ic(0)).isNaN();
        assertThat(scores.hitRate(0)).isBetween(0.0, 1.0);
        assertThat(scores.mse(0)).isPositive();
        scores.onPair(0, 100.2, 1);
        assertThat(scores.ic(0)).isNotNaN();
    }

    @Test
    void fewerThanTwoPairsHaveNoScoresAndNoSignedPairsNoHitRate()
    {
        final ModelScores scores = new ModelScores(1);
        assertThat(scores.count(0)).isZero();
        assertThat(scores.mse(0)).isNaN();
        scores.onPair(0, 0.5, 0);
        assertThat(scores.count(0)).isEqualTo(1);
        assertThat(scores.mse(0)).isNaN();
        assertThat(scores.ic(0)).isNaN();
        scores.onPair(0, 0, -0.25);
        assertThat(scores.count(0)).isEqualTo(2);
        assertThat(scores.mse(0)).isEqualTo((0.25 + 0.0625) / 2);
        assertThat(scores.hitRate(0)).isNaN();
        assertThat(scores.ic(0)).isCloseTo(1, within(1e-15)); // both fell
        scores.onPair(0, -1, -2);
        assertThat(scores.hitRate(0)).isEqualTo(1.0);
    }

    @Test
    void aWindowReadFromACheckpointScoresAsAnUninterruptedOne()
    {
        final List<double[]> pairs = pairs(8, 2000);
        final ModelScores uninterrupted = new ModelScores(2, 500);
        final ModelScores before = new ModelScores(2, 500);
        final int cut = 1234;
        for (int i = 0; i < cut; i++)
        {
            uninterrupted.onPair(1, pairs.get(i)[0], pairs.get(i)[1]);
            before.onPair(1, pairs.get(i)[0], pairs.get(i)[1]);
        }
        final UnsafeBuffer checkpoint = new UnsafeBuffer(new byte[3 + before.stateLength()]);
        assertThat(before.writeState(1, checkpoint, 3)).isEqualTo(checkpoint.capacity());
        final ModelScores after = new ModelScores(2, 500);
        assertThat(after.readState(1, checkpoint, 3)).isEqualTo(checkpoint.capacity());
        for (int i = cut; i < pairs.size(); i++)
        {
            uninterrupted.onPair(1, pairs.get(i)[0], pairs.get(i)[1]);
            after.onPair(1, pairs.get(i)[0], pairs.get(i)[1]);
            assertThat(bits(after.ic(1))).isEqualTo(bits(uninterrupted.ic(1)));
            assertThat(bits(after.hitRate(1))).isEqualTo(bits(uninterrupted.hitRate(1)));
            assertThat(bits(after.mse(1))).isEqualTo(bits(uninterrupted.mse(1)));
            assertThat(after.count(1)).isEqualTo(uninterrupted.count(1));
        }
        assertThatThrownBy(() -> new ModelScores(2, 499).readState(1, checkpoint, 3)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("model scores state of a window of 500 pairs cannot resume one of 499");
    }

    @Test
    void aWindowOfFewerThanTwoPairsIsRefused()
    {
        assertThatThrownBy(() -> new ModelScores(1, 1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("model scores window must be >= 2 pairs, got 1");
        assertThatThrownBy(() -> new ModelScores(0, 10)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("model scores need at least 1 symbol, got 0");
    }

    /** A double's bits, so that equality is bit for bit and a NaN equals a NaN. */
    private static long bits(final double value)
    {
        return Double.doubleToLongBits(value);
    }
}
