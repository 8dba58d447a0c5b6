package io.tickreplay.benchmarks;

import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.ChronicleTickJournal;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * The Chronicle Queue journal, one thread: {@code append} writes ticks as the journal stage does
 * (64-byte records in blocks, one queue document per ring batch of 1,024) into a journal opened once
 * per iteration (steady state: what a running replay pays); {@code appendFreshJournal} includes
 * creating the queue for every 262,144 ticks; {@code read} reads a journal of the same ticks back
 * into batches, as a journal replay's source does. An operation is one tick.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar Journal</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED", "-Dchronicle.analytics.disable=true"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JournalBenchmark
{
    static final int TICKS = 1 << 18;

    private Path root;
    private Path written;
    private int round;
    private ChronicleTickJournal open;
    private long index;
    private final TickEvent event = new TickEvent();
    private final TickBatch batch = new TickBatch(8192);

    @Setup(Level.Trial)
    public void setUp() throws IOException
    {
        root = Files.createTempDirectory("tickreplay-jmh-journal");
        written = root.resolve("read");
        append(written);
    }

    @Setup(Level.Iteration)
    public void openJournal() throws IOException
    {
        open = new ChronicleTickJournal(root.resolve("steady-" + round++));
    }

    @TearDown(Level.Iteration)
    public void closeJournal()
    {
        open.close();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException
    {
        try (var paths = Files.walk(root))
        {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private long append(final Path dir) throws IOException
    {
        try (ChronicleTickJournal journal = new ChronicleTickJournal(dir))
        {
            return appendTo(journal);
        }
    }

    private long appendTo(final ChronicleTickJournal journal)
    {
        for (int i = 0; i < TICKS; i++)
        {
            event.type = TickEvent.TICK;
            event.symbolId = i & 7;
            event.tsMicros = 1_762_180_200_000_000L + index++ * 50L;
            event.seq = 0;
            event.price = 100 + (i & 31) * 0.01;
            event.size = 100;
            event.bid = event.price - 0.01;
            event.ask = event.price + 0.01;
            event.bidSize = 300;
            event.askSize = 200;
            journal.append(event);
            if ((i & 1023) == 1023)
            {
                journal.endOfBatch();
            }
        }
        journal.endOfBatch();
        return journal.bytesWritten();
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long append()
    {
        return appendTo(open);
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long appendFreshJournal() throws IOException
    {
        return append(root.resolve("append-" + round++));
    }

    @Benchmark
    @OperationsPerInvocation(TICKS)
    public long read() throws IOException
    {
        long sum = 0;
        try (ChronicleJournalSource source = new ChronicleJournalSource(written, 8))
        {
            while (true)
            {
                batch.clear();
                if (!source.next(batch))
                {
                    break;
                }
                sum += batch.count;
            }
        }
        if (sum != TICKS)
        {
            throw new IllegalStateException("read " + sum + " ticks of " + TICKS);
        }
        return sum;
    }
}
