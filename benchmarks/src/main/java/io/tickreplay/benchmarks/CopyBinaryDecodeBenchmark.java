package io.tickreplay.benchmarks;

import io.tickreplay.adapters.postgres.CopyBinaryReader;
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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Decoding PostgreSQL's binary COPY of ticks (ts timestamptz, seq int4, six float8, one NULL
 * quote size in eight rows) as the replay's database reader does, from memory: the JVM's side of
 * a COPY out, without the server. An operation is one row.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar CopyBinaryDecode</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CopyBinaryDecodeBenchmark
{
    static final int ROWS = 1 << 16;

    private byte[] stream;

    @Setup(Level.Trial)
    public void setUp()
    {
        final ByteBuffer b = ByteBuffer.allocate(19 + ROWS * (2 + 4 + 8 + 4 + 4 + 6 * 12) + 2);
        b.put(new byte[] {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte)0xff, '\r', '\n', 0}).putInt(0).putInt(0);
        for (int i = 0; i < ROWS; i++)
        {
            b.putShort((short)8);
            b.putInt(8).putLong(815_000_000_000_000L + i * 1_000L);
            b.putInt(4).putInt(i & 3);
            for (int k = 0; k < 6; k++)
            {
                if (k == 5 && (i & 7) == 0)
                {
                    b.putInt(-1);
                }
                else
                {
                    b.putInt(8).putDouble(100.0 + k + (i & 63) * 0.01);
                }
            }
        }
        b.putShort((short)-1);
        stream = Arrays.copyOf(b.array(), b.position());
    }

    @Benchmark
    @OperationsPerInvocation(ROWS)
    public double decode() throws IOException
    {
        final CopyBinaryReader rows = new CopyBinaryReader(new ByteArrayInputStream(stream));
        double sum = 0;
        int n = 0;
        while (rows.nextRow())
        {
            rows.next();
            sum += rows.timestampMicros();
            rows.next();
            sum += rows.int4();
            for (int k = 0; k < 6; k++)
            {
                sum += rows.next() ? rows.float8() : 0;
            }
            n++;
        }
        if (n != ROWS)
        {
            throw new IllegalStateException("decoded " + n + " rows of " + ROWS);
        }
        return sum;
    }
}
