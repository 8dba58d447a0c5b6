package io.tickreplay.engine.replay;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A max gap paces a long gap as if it were that long, and nothing else: the ticks keep their times, the skipped time is counted. */
class PacingMaxGapTest
{
    private static final long S = 1_000_000L;

    private static long[] emitTimes(final long maxGapMicros, final double speed, final long... tsMicros)
    {
        final ManualNanoClock clock = new ManualNanoClock(0);
        final PacingStage pacer = new PacingStage(new ReplayControl(speed), clock, maxGapMicros);
        final TickEvent e = new TickEvent();
        final long[] out = new long[tsMicros.length];
        for (int i = 0; i < tsMicros.length; i++)
        {
            e.type = TickEvent.TICK;
            e.skipped = false;
            e.tsMicros = tsMicros[i];
            e.publishedNanos = clock.nanoTime();
            pacer.onEvent(e, i, true);
            out[i] = e.emitNanos;
            assertThat(e.tsMicros).as("the tick keeps its time").isEqualTo(tsMicros[i]);
        }
        return out;
    }

    @Test
    void aGapLongerThanTheMaxIsPacedAsTheMaxAndShorterOnesAsTheyAre()
    {
        // ticks 1 s apart, then an hour's gap, then 1 s again; at 1x with a max gap of 5 s
        final long[] at = emitTimes(5 * S, 1.0, 0, S, S + 3600 * S, 2 * S + 3600 * S);
        assertThat(at).containsExactly(0L, 1_000_000_000L, 6_000_000_000L, 7_000_000_000L);
        // at 10x the compressed gap is divided too
        final long[] fast = emitTimes(5 * S, 10.0, 0, S, S + 3600 * S, 2 * S + 3600 * S);
        assertThat(fast).containsExactly(0L, 100_000_000L, 600_000_000L, 700_000_000L);
    }

    @Test
    void theSkippedTimeIsCounted()
    {
        final ManualNanoClock clock = new ManualNanoClock(0);
        final PacingStage pacer = new PacingStage(new ReplayControl(100.0), clock, 60 * S);
        final TickEvent e = new TickEvent();
        final long[] ts = {0, 30 * S, 30 * S + 86_400 * S, 31 * S + 86_400 * S};
        for (int i = 0; i < ts.length; i++)
        {
            e.type = TickEvent.TICK;
            e.skipped = false;
            e.tsMicros = ts[i];
            pacer.onEvent(e, i, true);
        }
        assertThat(pacer.compressedMicros()).isEqualTo(86_400 * S - 60 * S);
    }

    @Test
    void withoutAMaxGapEveryGapIsKept()
    {
        final long[] at = emitTimes(0, 1.0, 0, S, S + 3600 * S);
        assertThat(at).containsExactly(0L, 1_000_000_000L, 3_601_000_000_000L);
    }
}
