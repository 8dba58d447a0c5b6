package io.tickreplay.benchmarks;

import io.tickreplay.engine.models.Predictor;
import io.tickreplay.onnx.OnnxPredictors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One ONNX prediction per bar as a run makes it (docs/models.md): the features into a float32 [1, n]
 * tensor, ONNX Runtime's session run, the first output's first element out; sampled, for the p50 and
 * p99 per bar. Models: the example's 40 gradient-boosted trees on 5 features (examples/models/tree5.onnx,
 * fed the rows its script recorded) and the 3-feature linear graph. ONNX Runtime is not in
 * benchmarks.jar: run from the checkout with
 * {@code java -cp benchmarks/target/benchmarks.jar:onnx/target/classes:$(cat onnx/target/onnx-runtime.classpath) org.openjdk.jmh.Main OnnxInference}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnnxInferenceBenchmark
{
    @Param({"tree5", "linear3"})
    String model;

    private Predictor predictor;
    private double[][] rows;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        final Path dir = Path.of("examples", "models");
        final List<String> lines = Files.readAllLines(dir.resolve("tree5_predictions.csv"));
        final int features = model.equals("tree5") ? 5 : 3;
        rows = lines.subList(1, lines.size()).stream()
            .map(l -> Arrays.stream(l.split(",")).limit(features).mapToDouble(Double::parseDouble).toArray()).toArray(double[][]::new);
        predictor = new OnnxPredictors().open(dir.resolve(model + ".onnx"), features);
    }

    @Benchmark
    public double predict()
    {
        final double[] x = rows[next];
        next = next + 1 == rows.length ? 0 : next + 1;
        return predictor.predict(0, x[0], x);
    }
}
