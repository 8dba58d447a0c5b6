package io.tickreplay.engine.signals;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SignalRingTest
{
    /** Records what reaches it, on whichever thread calls it. */
    private static final class Recording implements SignalSink
    {
        final List<String> values = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        volatile int batches;
        volatile int ends;
        final int failAt;

        Recording(final int failAt)
        {
            this.failAt = failAt;
        }

        @Override
        public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
            final double m2, final double m3)
        {
            if (values.size() == failAt)
            {
                throw new IllegalStateException("writing signals: disk full");
            }
            values.add(signalId + "/" + symbolId + "@" + ts + "#" + seq + "=" + value + "," + m1 + "," + m2 + "," + m3);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void endOfBatch()
        {
            batches++;
        }

        @Override
        public void endOfStream()
        {
            ends++;
        }
    }

    /** The ring's writer thread, as the topology starts it. */
    private static Thread start(final SignalRing ring)
    {
        final Thread t = new Thread(ring.processor(), ring.name());
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void constructingARingStartsNoThread()
    {
        final SignalRing ring = new SignalRing("not-started-writer", 64, "backoff", new Recording(-1));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("not-started-writer"));
        ring.close();
    }

    @Test
    void handsEveryValueInOrderToTheWriterOnItsOwnThreadAndEndsOnlyWhenTheWriterHasFinished()
    {
        final Recording writer = new Recording(-1);
        final int n = 100_000;  // several times the ring: the producer must wait for the writer
        try (SignalRing ring = new SignalRing("writer-under-test", 1024, "backoff", writer))
        {
            start(ring);
            final List<String> expected = new ArrayList<>(n);
            for (int i = 0; i < n; i++)
            {
                ring.signal(i % 3, i % 5, 1_000L + i, i, i * 0.5, i, Double.NaN, -i);
                expected.add((i % 3) + "/" + (i % 5) + "@" + (1_000L + i) + "#" + i + "=" + (i * 0.5) + "," + (double) i + ",NaN," + (double) -i);
                if (i % 1000 == 999)
                {
                    ring.endOfBatch();
                }
            }
            ring.endOfStream();
            // endOfStream returned: the writer has seen everything and its end, no waiting needed
            assertThat(writer.values).containsExactlyElementsOf(expected);
            assertThat(writer.ends).isEqualTo(1);
            assertThat(writer.batches).isGreaterThanOrEqualTo(1);
            assertThat(writer.threads).containsOnly("writer-under-test");
            assertThat(ring.backlog()).isZero();
        }
    }

    @Test
    void aWriterFailureIsThrownOnTheShardThreadAndTheRingKeepsDrainingSoTheShardNeverBlocks()
    {
        final Recording writer = new Recording(10);
        try (SignalRing ring = new SignalRing("failing-writer", 64, "backoff", writer))
        {
            start(ring);
            // far more than the ring holds: after the failure the writer thread must drop, not stall
            for (int i = 0; i < 10_000; i++)
            {
                ring.signal(0, 0, i, 0, i, 0, 0, 0);
            }
            assertThatThrownBy(ring::endOfStream).hasMessageContaining("writing signals: disk full");
            assertThat(writer.values).hasSize(10);
            assertThat(writer.ends).isZero();  // a failed writer is not asked to finish a stream it could not write
            // and it is reported again at every later batch end
            assertThatThrownBy(ring::endOfBatch).hasMessageContaining("disk full");
        }
    }

    @Test
    void closeStopsTheWriterThreadOfAStreamThatNeverEnded() throws Exception
    {
        final Recording writer = new Recording(-1);
        final SignalRing ring = new SignalRing("abandoned-writer", 64, "backoff", writer);
        final Thread thread = start(ring);
        ring.signal(0, 0, 1, 0, 1.0, 0, 0, 0);
        ring.close();
        thread.join(10_000);
        assertThat(thread.isAlive()).isFalse();
        assertThat(writer.ends).isZero();
    }

    @Test
    void aWriterThatRunsOutOfMemoryFailsTheRunInsteadOfStoppingTheRing()
    {
        final SignalSink dying = new SignalSink()
        {
            @Override
            public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
                final double m2, final double m3)
            {
                throw new OutOfMemoryError("Java heap space (simulated)");
            }

            @Override
            public void endOfBatch()
            {
            }

            @Override
            public void endOfStream()
            {
            }
        };
        try (SignalRing ring = new SignalRing("oom-writer", 64, "backoff", dying))
        {
            start(ring);
            for (int i = 0; i < 10_000; i++)
            {
                ring.signal(0, 0, i, 0, i, 0, 0, 0); // many times the ring: a dead writer thread would block this forever
            }
            assertThatThrownBy(ring::endOfStream).hasMessageContaining("OutOfMemoryError");
        }
    }
}
