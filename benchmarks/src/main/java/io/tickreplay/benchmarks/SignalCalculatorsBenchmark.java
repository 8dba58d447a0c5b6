package io.tickreplay.benchmarks;

import io.tickreplay.engine.signals.SignalOutput;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Per-tick cost of the signal calculators on one core, over a realistic synthetic session held in
 * primitive arrays: each signal alone, the four per-tick ones together, and all six (with the
 * one-minute bars the bar signals need): each of the seven alone, the four per-tick ones together, and all seven. Run with {@code -prof gc} to see the allocation per tick.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar SignalCalculators -prof gc</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SignalCalculatorsBenchmark
{
    static final int TICKS = 65_536;

    @Param({"vwap_deviation_bps", "spread_bps", "tick_rate_zscore", "book_imbalance", "rsi_14", "bb_zscore_20", "volume_profile", "per_tick", "all"})
    String signals;

    private final int[] symbol = new int[TICKS];
    private final long[] ts = new long[TICKS];
    private final int[] seq = new int[TICKS];
    private final double[] price = new double[TICKS];
    private final double[] size = new double[TICKS];
    private final double[] bid = new double[TICKS];
    private final double[] ask = new double[TICKS];
    private final double[] bidSize = new double[TICKS];
    private final double[] askSize = new double[TICKS];
    private SignalSet set;
    private long shift;
    private long span;
    private Blackhole blackhole;
    private SignalOutput out;

    @Setup(Level.Trial)
    public void setUp(final Blackhole bh)
    {
        final List<Tick> ticks = new ArrayList<>();
        final List<String> names = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
        new SyntheticSession(new SyntheticSession.Context().symbols(names).ticksPerSecond(2.0).seed(1))
            .run(t -> { if (ticks.size() < TICKS) { ticks.add(new Tick().copyFrom(t)); } }, f -> { });
        ticks.sort((a, b) -> Long.compare(a.tsMicros, b.tsMicros));
        for (int i = 0; i < TICKS; i++)
        {
            final Tick t = ticks.get(i);
            symbol[i] = names.indexOf(t.symbol);
            ts[i] = t.tsMicros;
            seq[i] = t.seq;
            price[i] = t.price;
            size[i] = t.size;
            bid[i] = t.bid;
            ask[i] = t.ask;
            bidSize[i] = t.bidSize;
            askSize[i] = t.askSize;
        }
        span = ts[TICKS - 1] - ts[0] + 1_000_000;
        final List<String> selected = switch (signals)
        {
            case "per_tick" -> List.of("vwap_deviation_bps", "spread_bps", "tick_rate_zscore", "book_imbalance");
            default -> List.of(signals);
        };
        set = SignalSet.of(selected, names.size());
        blackhole = bh;
        out = (signalId, symbolId, t, s, value, m1, m2, m3) -> blackhole.consume(value);
    }

    /** Replays the held ticks again and again, shifted forward in time so that state keeps moving as in a long session. */
    @Benchmark
    @OperationsPerInvocation(TICKS)
    public void ticks()
    {
        final long offset = shift;
        for (int i = 0; i < TICKS; i++)
        {
            set.onTick(symbol[i], ts[i] + offset, seq[i], price[i], size[i], bid[i], ask[i], bidSize[i], askSize[i], out);
        }
        shift += span;
    }
}
