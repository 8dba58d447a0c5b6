package io.tickreplay.benchmarks;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.RingBuffer;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.replay.WaitStrategies;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One hop through the ticks ring: this thread publishes ticks (claiming 256 slots at a time, as the
 * replay's source does) and a consumer thread reads every one; an operation is one tick handed over
 * and seen. Two threads on this 2-core machine: the wait strategy decides what an idle consumer costs.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar RingHop</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RingHopBenchmark
{
    static final int TICKS = 1 << 16;
    static final int CLAIM = 256;

    @Param({"backoff", "yielding"})
    String waitStrategy;

    private RingBuffer<TickEvent> ring;
    private BatchEventProcessor<TickEvent> consumer;
    private Thread thread;
    private long seen;

    @Setup(Level.Trial)
    public void setUp()
    {
        ring = RingBuffer.createSingleProducer(TickEvent::new, 1 << 14, WaitStrategies.of(waitStrategy));
        consumer = new BatchEventProcessorBuilder().build(ring, ring.newBarrier(), (e, sequence, endOfBatch) -> seen += e.symbolId);
        ring.addGatingSequences(consumer.getSequence());
        thread = new Thread(consumer, "ring-hop-consumer");
        thread.setDaemon(true);
        thread.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException
    {
        consumer.halt();
        thread.join(5_000);
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long hop()
    {
        long hi = -1;
        for (int i = 0; i < TICKS; i += CLAIM)
        {
            hi = ring.next(CLAIM);
            final long lo = hi - CLAIM + 1;
            for (long s = lo; s <= hi; s++)
            {
                final TickEvent e = ring.get(s);
                e.type = TickEvent.TICK;
                e.symbolId = (int)(s & 7);
                e.tsMicros = s;
                e.price = 100.0 + (s & 15);
            }
            ring.publish(lo, hi);
        }
        while (consumer.getSequence().get() < hi)
        {
            Thread.onSpinWait();
        }
        return hi;
    }
}
