package io.tickreplay.onnx;

import io.tickreplay.engine.models.Predictor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * ONNX files through ONNX Runtime as a run feeds them: a tree ensemble trained by
 * examples/models/train_tree.py gives, row for row, the predictions Python's ONNX Runtime gave (recorded
 * by the script); a linear graph gives w.x + b in float32; a missing feature gives no prediction.
 */
class OnnxPredictorsTest
{
    private static final Path MODELS = Path.of("..", "examples", "models");

    @Test
    void aTreeModelPredictsWhatPythonsOnnxRuntimeRecorded() throws IOException
    {
        final Predictor tree = new OnnxPredictors().open(MODELS.resolve("tree5.onnx"), 5);
        final List<String> lines = Files.readAllLines(MODELS.resolve("tree5_predictions.csv"));
        assertThat(lines.get(0)).isEqualTo("close,spread_bps,vwap_deviation_bps,rsi_14,bb_zscore_20,prediction");
        final double[] distinct = lines.subList(1, lines.size()).stream().mapToDouble(l -> Double.parseDouble(l.split(",")[5])).distinct().toArray();
        assertThat(distinct.length).as("the trees split the rows apart").isGreaterThan(50);
        for (final String line : lines.subList(1, lines.size()))
        {
            final double[] v = Arrays.stream(line.split(",")).mapToDouble(Double::parseDouble).toArray();
            final double p = tree.predict(0, v[0], Arrays.copyOf(v, 5));
            assertThat(p).as(line).isCloseTo(v[5], within(1e-9 + 1e-6 * Math.abs(v[5])));
        }
    }

    @Test
    void aLinearGraphGivesItsWeightsTimesTheFeaturesInFloat32() throws IOException
    {
        final Predictor linear = new OnnxPredictors().open(MODELS.resolve("linear3.onnx"), 3);
        final double[] x = {152.37, 1.875, 61.25};
        final float expected = 0.5f * (float)x[0] + -0.25f * (float)x[1] + 0.125f * (float)x[2] + 0.01f;
        assertThat(linear.predict(0, x[0], x)).isCloseTo(expected, within(1e-4));
        assertThat(linear.predict(1, x[0], new double[] {152.37, Double.NaN, 61.25})).as("a null feature: no prediction").isNaN();
    }
}
