package io.tickreplay.benchmarks;

import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.topology.ReplayTopology;
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

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sharded signal stage in the real pipeline, built by {@link ReplayTopology} in SHARED or
 * DEDICATED mode: an in-memory source, the pacer and bus publisher (burst, to a bus that drops), and
 * 1, 2 or 4 calculator shards computing all seven signals to a sink that drops the values. An operation is one tick through the whole run; each invocation is a
 * run of 262,144 ticks on threads of its own. On this 2-core machine more shards share the cores.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ShardedSignalStage</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class ShardedSignalStageBenchmark
{
    static final int TICKS = 1 << 18;
    static final List<String> SYMBOLS = List.of("AAPL", "AMZN", "MSFT", "NVDA", "TSLA");

    @Param({"1", "2", "4"})
    int shards;

    @Param({"SHARED", "DEDICATED"})
    String mode;

    private final TickBatch ticks = new TickBatch(TICKS);
    private SymbolTable table;

    @Setup(Level.Trial)
    public void setUp()
    {
        table = new SymbolTable(SYMBOLS);
        final List<Tick> all = new ArrayList<>();
        new SyntheticSession(new SyntheticSession.Context().symbols(SYMBOLS).ticksPerSecond(3.0).seed(1))
            .run(t -> all.add(new Tick().copyFrom(t)), f -> { });
        all.sort(Comparator.comparingLong((Tick t) -> t.tsMicros).thenComparing(t -> t.symbol));
        for (int i = 0; i < TICKS; i++)
        {
            final Tick t = all.get(i % all.size());
            ticks.add(table.id(t.symbol), t.tsMicros, t.seq, t.price, t.size, t.bid, t.ask, t.bidSize, t.askSize);
        }
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long pipeline() throws InterruptedException
    {
        final List<SignalSink> drops = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++)
        {
            drops.add(SignalSink.DISCARD); // computed, then dropped where they leave the shard: no ring, no writer
        }
        final TickBus nowhere = m -> { };
        final ReplayTopology.Context ctx = new ReplayTopology.Context().source(new ArraySource(ticks), table).run("bench", 1).bus(nowhere)
            .signals(List.of("all"), drops).threadingMode(ReplayTopology.ThreadingMode.valueOf(mode)).cores(64)
            .ticksRingSize(1 << 16).batchSize(8192).threadName("bench");
        try (ReplayTopology p = new ReplayTopology(ctx))
        {
            p.start();
            final ReplayOutcome outcome = p.awaitCompletion(5, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED || outcome.ticks() != TICKS)
            {
                throw new IllegalStateException("run " + outcome.status() + " with " + outcome.ticks() + " ticks: " + outcome.errorMessage());
            }
            return outcome.ticks();
        }
    }

    /** Hands out the prepared ticks a batch at a time. */
    static final class ArraySource implements TickBatchSource
    {
        private final TickBatch all;
        private int next;

        ArraySource(final TickBatch all)
        {
            this.all = all;
        }

        @Override
        public boolean next(final TickBatch batch)
        {
            if (next >= all.count)
            {
                return false;
            }
            while (next < all.count && !batch.full())
            {
                batch.copyRow(all, next++);
            }
            return true;
        }

        @Override
        public void close()
        {
        }
    }
}
