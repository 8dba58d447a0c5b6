package io.tickreplay.benchmarks;

import io.tickreplay.engine.models.ModelScores;
import io.tickreplay.engine.models.OnlineLinearModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost per bar of {@code online_linear} (docs/models.md) with ten features on one core: the label's
 * update and the prediction ({@code model}), and with the scores' arrival as the model stage would
 * add it ({@code modelAndScores}). Bars of five symbols in (ts, symbol) order, a random walk of closes
 * and features of the scales real signals have, 1% of bars with a null feature, held in primitive
 * arrays and replayed again and again (the model's state keeps moving). The goal is at most 2 us per
 * bar; run with {@code -prof gc} to see the allocation per bar (0 B/op expected).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar OnlineLinear -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OnlineLinearBenchmark
{
    static final int FEATURES = 10;
    static final int SYMBOLS = 5;
    static final int BARS = 4096;

    @Param({"1", "5"})
    int horizon;

    private final double[] close = new double[SYMBOLS * BARS];
    private final double[][] features = new double[SYMBOLS * BARS][FEATURES];
    private OnlineLinearModel model;
    private ModelScores scores;

    @Setup(Level.Trial)
    public void setUp()
    {
        final Random random = new Random(1);
        final double[] last = {187.5, 42.25, 410.0, 225.1, 251.7};
        final double[] previousReturn = new double[SYMBOLS];
        for (int t = 0; t < BARS; t++)
        {
            for (int s = 0; s < SYMBOLS; s++)
            {
                final int i = t * SYMBOLS + s;
                final double r = 0.0015 * random.nextGaussian();
                last[s] *= Math.exp(r);
                close[i] = last[s];
                final double[] f = features[i];
                f[0] = 1e4 * r; // last return, bps
                f[1] = 1e4 * previousReturn[s];
                f[2] = 50 + 15 * random.nextGaussian(); // rsi_14
                f[3] = random.nextGaussian(); // bb_zscore_20
                f[4] = Math.log(5_000 + 20_000 * random.nextDouble()); // log volume
                f[5] = 0.5 + 4 * random.nextDouble(); // spread_bps
                f[6] = random.nextGaussian(); // tick_rate_zscore
                f[7] = 0.3 * f[0] + random.nextGaussian(); // book_imbalance
                f[8] = 10 * random.nextGaussian(); // vwap_deviation_bps
                f[9] = random.nextDouble(); // volume_profile
                if (random.nextInt(100) == 0)
                {
                    f[random.nextInt(FEATURES)] = Double.NaN;
                }
                previousReturn[s] = r;
            }
        }
        model = new OnlineLinearModel(FEATURES, horizon, 0.999, 100, SYMBOLS);
        scores = new ModelScores(SYMBOLS);
    }

    @Benchmark
    @OperationsPerInvocation(SYMBOLS * BARS)
    public void model(final Blackhole bh)
    {
        for (int i = 0; i < close.length; i++)
        {
            bh.consume(model.onBarClose(i % SYMBOLS, close[i], features[i]));
        }
    }

    @Benchmark
    @OperationsPerInvocation(SYMBOLS * BARS)
    public void modelAndScores(final Blackhole bh)
    {
        for (int i = 0; i < close.length; i++)
        {
            final int s = i % SYMBOLS;
            bh.consume(model.onBarClose(s, close[i], features[i]));
            final double y = model.lastLabel();
            if (y == y)
            {
                scores.onPair(s, model.lastLabelledPrediction(), y);
                bh.consume(scores.ic(s));
                bh.consume(scores.hitRate(s));
                bh.consume(scores.mse(s));
            }
        }
    }
}
