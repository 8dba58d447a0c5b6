package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;
import org.HdrHistogram.Recorder;

/**
 * Releases each tick at its time: {@code speed} 1.0 keeps the original gaps between ticks, N makes
 * them N times shorter, 0 (burst) does not wait at all.
 *
 * <p>The schedule is anchored on a (tick time, clock time) pair: tick {@code ts} is due at
 * {@code anchorNanos + (ts - anchorTs) * 1000 / speed}. A speed change, a resume after a pause or a
 * seek re-anchors at the last emitted tick (or the first one after the seek), so the schedule goes on
 * from where it is without catching up or jumping ahead. The lag (emit time minus due time) of every
 * paced tick is recorded in an HdrHistogram in microseconds.
 *
 * <p>With a max gap, a gap between consecutive emitted ticks longer than it is paced as that long: the
 * schedule runs on a paced clock, each tick's ts less the excess of every long gap before it; the
 * ticks' own times are unchanged, and {@link #compressedMicros()} says how much time was skipped.
 *
 * <p>Marks the first event after a seek with the gap it left ({@link TickEvent#gapFromMicros}).
 *
 * <p>Runs on the thread the topology gives it (with the bus publisher); waits by parking, then spinning the last 150 us (see
 * {@link NanoClock#SYSTEM}), and looks at the {@link ReplayControl} at least every 2 ms.
 * Allocation-free per tick.
 */
public final class PacingStage implements EventHandler<TickEvent>
{
    private static final long CONTROL_POLL_NANOS = 2_000_000;
    private static final double MAX_AHEAD_NANOS = 0x1p62;

    private final ReplayControl control;
    private final NanoClock clock;
    private final Recorder lagMicros = new Recorder(3);
    private int seenVersion = -1;
    private double speed;
    private boolean anchored;
    private long anchorTs;
    private long anchorNanos;
    private long lastEmittedTs = Long.MIN_VALUE;
    /** The last emitted tick's time on the paced clock: its ts less every gap compressed before it ({@link #maxGapMicros}). */
    private long lastEmittedPacedTs = Long.MIN_VALUE;
    private volatile long currentLagNanos;
    private long accountedSeekTarget;
    private final long maxGapMicros;
    private volatile long compressedMicros;

    public PacingStage(final ReplayControl control, final NanoClock clock)
    {
        this(control, clock, 0);
    }

    /**
     * @param maxGapMicros a gap between consecutive ticks longer than this is paced as if it were this long
     *                     (nights and weekends of a long window); 0 keeps every gap. The ticks' times are unchanged.
     */
    public PacingStage(final ReplayControl control, final NanoClock clock, final long maxGapMicros)
    {
        if (maxGapMicros < 0)
        {
            throw new IllegalArgumentException("max gap must be >= 0 (0: none), was " + maxGapMicros + " us");
        }
        this.control = control;
        this.clock = clock;
        this.maxGapMicros = maxGapMicros;
        this.accountedSeekTarget = control.emitFrom(); // the initial seek target: the start of emission
    }

    /** The time the pacing skipped so far: the sum over gaps longer than the max gap of their excess, in microseconds. Any thread. */
    public long compressedMicros()
    {
        return compressedMicros;
    }

    @Override
    public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
    {
        if (event.type != TickEvent.TICK)
        {
            markGap(event); // a seek past the last tick leaves its gap on END
            if (event.type == TickEvent.END && control.cancelled())
            {
                // The source put END into the ring when it had read the window, which may be long before a cancel
                // (a window that fits in the ring, a paced run): only here is it known that ticks were skipped after it,
                // so the stages that write bars and bar signals must not take the stream as whole.
                event.complete = false;
            }
            return;
        }
        // the tick's time on the paced clock: a gap longer than the max gap counts as the max gap
        final long gap = lastEmittedTs == Long.MIN_VALUE ? 0 : event.tsMicros - lastEmittedTs;
        final long pacedTs = lastEmittedTs == Long.MIN_VALUE ? event.tsMicros
            : lastEmittedPacedTs + (maxGapMicros > 0 && gap > maxGapMicros ? maxGapMicros : gap);
        long now;
        long due;
        while (true)
        {
            // every control is looked at again after any wait: a seek or a cancel during a pause applies to this tick too
            if (control.cancelled() || event.tsMicros < control.seekTarget())
            {
                event.skipped = true;
                event.warmup = event.tsMicros < control.emitFrom();
                return;
            }
            refreshControls();
            if (control.paused())
            {
                clock.waitUntil(Long.MAX_VALUE, CONTROL_POLL_NANOS);
                continue;
            }
            if (speed == 0)
            {
                // burst: nothing to wait for, and no clock read per tick (it would cost a quarter of a 10M/s budget)
                now = event.publishedNanos;
                due = now;
                break;
            }
            now = clock.nanoTime();
            if (!anchored)
            {
                anchor(pacedTs, now);
            }
            due = dueTime(pacedTs);
            if (due - now <= 0)
            {
                break;
            }
            final int version = seenVersion;
            now = clock.waitUntil(due, CONTROL_POLL_NANOS);
            if (control.version() == version && due - now <= 0)
            {
                break;
            }
        }
        event.scheduledNanos = due;
        event.emitNanos = now;
        markGap(event);
        if (maxGapMicros > 0 && gap > maxGapMicros && speed > 0 && control.seekTarget() <= lastEmittedTs)
        {
            // (a seek's jump is no gap of the data: it is not counted)
            compressedMicros += gap - maxGapMicros;
        }
        lastEmittedTs = event.tsMicros;
        lastEmittedPacedTs = pacedTs;
        if (speed > 0)
        {
            event.paced = true;
            final long lag = now - due;
            lagMicros.recordValue(Math.max(0, lag) / 1_000);
            if (endOfBatch)
            {
                currentLagNanos = lag;
            }
        }
        else if (endOfBatch)
        {
            currentLagNanos = 0;
        }
    }

    /**
     * On the first event after a seek: no tick from the last emitted one up to the seek target went out
     * (the source may not even have read them), which the stages that write bars must know.
     */
    private void markGap(final TickEvent event)
    {
        final long target = control.seekTarget();
        if (target != accountedSeekTarget)
        {
            accountedSeekTarget = target;
            final long from = Math.max(lastEmittedTs, control.emitFrom());
            if (target > from)
            {
                event.gapFromMicros = from;
                event.gapToMicros = target;
            }
        }
    }

    private void refreshControls()
    {
        final int version = control.version();
        if (version == seenVersion)
        {
            return;
        }
        seenVersion = version;
        final double newSpeed = control.speed();
        final long now = clock.nanoTime();
        if (anchored)
        {
            if (lastEmittedTs != Long.MIN_VALUE && lastEmittedTs >= control.seekTarget())
            {
                anchor(lastEmittedPacedTs, now);
            }
            else
            {
                anchored = false; // after a seek: the first tick past the target is due at once
            }
        }
        speed = newSpeed;
    }

    private void anchor(final long ts, final long nanos)
    {
        anchorTs = ts;
        anchorNanos = nanos;
        anchored = true;
    }

    private long dueTime(final long ts)
    {
        // capped at 2^62 ns (146 years) ahead, so that due - now never wraps, whatever the gap and the speed
        return anchorNanos + (long)Math.min((ts - anchorTs) * 1_000.0 / speed, MAX_AHEAD_NANOS);
    }

    /**
     * The lag of each paced tick in microseconds, as a recorder any thread may take interval histograms
     * from (one reader: each interval is handed out once), while the pacer records on.
     */
    public Recorder lagRecorder()
    {
        return lagMicros;
    }

    /** The lag of the last paced tick, in nanoseconds; 0 in burst mode. Any thread. */
    public long currentLagNanos()
    {
        return currentLagNanos;
    }
}
