package io.tickreplay.benchmarks;

import io.tickreplay.engine.replay.ManualNanoClock;
import io.tickreplay.engine.replay.PacingStage;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.TickEvent;
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

import java.util.concurrent.TimeUnit;

/**
 * The pacer's own cost per tick, on one thread: in burst mode (speed 0: it only stamps and checks
 * the controls) and paced (speed 10, on a clock that is always already past each tick's time, so
 * that the cost of deciding is measured and never the waiting).
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar PacingStage</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class PacingStageBenchmark
{
    static final int TICKS = 1 << 14;

    @Param({"0", "10"})
    double speed;

    private PacingStage pacer;
    private ManualNanoClock clock;
    private final TickEvent event = new TickEvent();
    private long sequence;
    private long ts;

    @Setup(Level.Trial)
    public void setUp()
    {
        clock = new ManualNanoClock(0);
        pacer = new PacingStage(new ReplayControl(speed), clock);
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long pace()
    {
        for (int i = 0; i < TICKS; i++)
        {
            event.type = TickEvent.TICK;
            event.symbolId = i & 7;
            event.tsMicros = ts += 100;     // a tick every 100 us of market time
            event.skipped = false;
            event.paced = false;
            clock.advance(1_000_000);       // the clock runs ahead: never a wait
            event.publishedNanos = clock.nanoTime();
            pacer.onEvent(event, sequence++, (i & 63) == 63);
        }
        return event.emitNanos;
    }
}
