package io.tickreplay.engine.replay;
import java.util.Arrays;

/**
 * Which part of a replay's window the run has emitted whole, so that a stage writes a bar (or a bar
 * signal) only over time whose every tick went out (docs/signals.md: no partial bars). A bar
 * {@code [start, end)} is covered when it lies inside the window, meets no seek gap, and, while ticks
 * are being skipped or after a run that did not complete, ends at or before the last emitted tick.
 * Conservative by at most the bar holding the last emitted tick before a seek or a cancel.
 *
 * <p>One per stage, fed every event of the ticks ring on the stage's thread. Allocation-free but for
 * a seek, which adds a gap.
 */
public final class EmissionCoverage
{
    private final long windowStart;
    private final long windowEnd;
    private long lastEmitted = Long.MIN_VALUE;
    private boolean open;
    private long[] gapFrom = new long[4];
    private long[] gapTo = new long[4];
    private int gaps;

    /** The window {@code [startMicros, endMicros)} the run emits. */
    public EmissionCoverage(final long startMicros, final long endMicros)
    {
        this.windowStart = startMicros;
        this.windowEnd = endMicros;
    }

    /** Takes a tick of the ring (emitted or skipped), before the stage folds it in. */
    public void onTick(final TickEvent e)
    {
        if (!e.skipped)
        {
            gap(e);
            lastEmitted = e.tsMicros;
            open = false;
        }
        else if (!e.warmup)
        {
            // skipped by a seek or after a cancel: until the next emitted tick nothing at or after the last one is known whole
            open = true;
        }
    }

    /** Takes the {@code END} event. */
    public void onEnd(final TickEvent e)
    {
        gap(e);
        open = !e.complete;
    }

    private void gap(final TickEvent e)
    {
        if (e.gapToMicros == Long.MIN_VALUE)
        {
            return;
        }
        if (gaps == gapFrom.length)
        {
            gapFrom = Arrays.copyOf(gapFrom, gaps * 2);
            gapTo = Arrays.copyOf(gapTo, gaps * 2);
        }
        gapFrom[gaps] = e.gapFromMicros;
        gapTo[gaps] = e.gapToMicros;
        gaps++;
    }

    /** True when every tick of {@code [startMicros, endMicros)} was emitted, as far as the events so far tell. */
    public boolean covers(final long startMicros, final long endMicros)
    {
        if (startMicros < windowStart || endMicros > windowEnd || open && endMicros > lastEmitted)
        {
            return false;
        }
        for (int i = 0; i < gaps; i++)
        {
            if (startMicros < gapTo[i] && endMicros > gapFrom[i])
            {
                return false;
            }
        }
        return true;
    }
}
