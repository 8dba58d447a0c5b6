package io.tickreplay.benchmarks;

import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.csv.TickCsvWriter;
import io.tickreplay.adapters.files.TimestampParser;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The client-side half of {@code import}: CSV rows decoded into ticks, without the database. If this
 * runs several times faster than the import's end-to-end rate, the server is the bottleneck.
 *
 * <pre>./mvnw -pl benchmarks -am -DskipTests package && java -jar benchmarks/target/benchmarks.jar CsvTickDecode</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CsvTickDecodeBenchmark
{
    static final int ROWS = 100_000;

    private byte[] csv;
    private final Tick tick = new Tick();

    @Setup(Level.Trial)
    public void writeFile() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final SyntheticSession.Context ctx = new SyntheticSession.Context().symbols(List.of("NVDA")).ticksPerSecond(3.5);
        try (TickCsvWriter writer = new TickCsvWriter(new OutputStreamWriter(bytes, StandardCharsets.UTF_8)))
        {
            final long[] left = {ROWS};
            new SyntheticSession(ctx).run(t ->
            {
                if (left[0]-- > 0)
                {
                    writer.onTick(t);
                }
            }, f -> { });
            if (left[0] > 0)
            {
                throw new IllegalStateException("session too short: " + left[0] + " rows missing");
            }
        }
        csv = bytes.toByteArray();
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public long decodeRows() throws Exception
    {
        long sum = 0;
        try (TickCsvReader reader = TickCsvReader.open(new ByteArrayInputStream(csv), TickCsvReader.Options.defaults()))
        {
            while (reader.next(tick))
            {
                sum += tick.tsMicros;
            }
        }
        return sum;
    }

    @Benchmark
    public long parseIsoTimestamp()
    {
        return TimestampParser.parseMicros("2025-11-03T14:30:01.123456Z");
    }

    @Benchmark
    public long parseEpochMillisTimestamp()
    {
        return TimestampParser.parseMicros("1762180201123");
    }
}
