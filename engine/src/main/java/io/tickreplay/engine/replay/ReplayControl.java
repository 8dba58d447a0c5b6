package io.tickreplay.engine.replay;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;

/**
 * Live control of one running replay: pause, resume, cancel, change speed, seek forward.
 *
 * <p>Written by any thread (the API, the CLI, a test); read by the pacing stage, which notices a
 * change through {@link #version()} within a few milliseconds even while it is waiting for a tick's
 * time. Speed 0 is burst: no waiting at all.
 */
public final class ReplayControl
{
    /** The slowest speed a run takes: a minute of ticks in about 17 hours. */
    public static final double MIN_SPEED = 0.001;

    private volatile double speed;
    private volatile boolean paused;
    private volatile boolean cancelled;
    private volatile long seekTarget = Long.MIN_VALUE;
    private volatile int version;
    private final CopyOnWriteArrayList<LongConsumer> seekListeners = new CopyOnWriteArrayList<>();
    private final CopyOnWriteArrayList<Runnable> cancelListeners = new CopyOnWriteArrayList<>();

    private final long emitFrom;

    public ReplayControl(final double speed)
    {
        this(speed, Long.MIN_VALUE);
    }

    /**
     * @param emitFromMicros ticks before this are warm-up: they reach the stages that keep state
     *                       (signals) but are not emitted, paced or counted (the replay's start when
     *                       the source begins earlier to warm signals up)
     */
    public ReplayControl(final double speed, final long emitFromMicros)
    {
        this.speed = checkSpeed(speed);
        this.emitFrom = emitFromMicros;
        this.seekTarget = emitFromMicros;
    }

    /** The start of emission: ticks before it are warm-up. */
    public long emitFrom()
    {
        return emitFrom;
    }

    public double speed()
    {
        return speed;
    }

    public boolean paused()
    {
        return paused;
    }

    public boolean cancelled()
    {
        return cancelled;
    }

    public long seekTarget()
    {
        return seekTarget;
    }

    /** Changes on every control action; the pacer re-reads everything when it moves. */
    public int version()
    {
        return version;
    }

    public synchronized void setSpeed(final double newSpeed)
    {
        speed = checkSpeed(newSpeed);
        version++;
    }

    public synchronized void pause()
    {
        paused = true;
        version++;
    }

    public synchronized void resume()
    {
        paused = false;
        version++;
    }

    public void cancel()
    {
        synchronized (this)
        {
            if (cancelled)
            {
                return;
            }
            cancelled = true;
            version++;
        }
        cancelListeners.forEach(Runnable::run);
    }

    /**
     * Skips ahead: ticks before {@code tsMicros} are not emitted. Only forward: a target at or before
     * the current one is refused.
     */
    public void seek(final long tsMicros)
    {
        synchronized (this)
        {
            if (tsMicros <= seekTarget)
            {
                throw new IllegalArgumentException("seek goes forward only: already at or past that time");
            }
            seekTarget = tsMicros;
            version++;
        }
        seekListeners.forEach(l -> l.accept(tsMicros));
    }

    public void onSeek(final LongConsumer listener)
    {
        seekListeners.add(listener);
    }

    public void onCancel(final Runnable listener)
    {
        cancelListeners.add(listener);
    }

    static double checkSpeed(final double speed)
    {
        final String problem = speedProblem(speed);
        if (problem != null)
        {
            throw new IllegalArgumentException(problem);
        }
        return speed;
    }

    /**
     * Why {@code speed} cannot be a run's speed, or null when it can: 0 (burst) or a finite number from
     * {@link #MIN_SPEED} up. The floor keeps every wait schedulable: below it a gap of a day between two
     * ticks would be due later than a {@code long} of nanoseconds can say.
     */
    public static String speedProblem(final double speed)
    {
        if (!(speed >= 0) || Double.isInfinite(speed))
        {
            return "speed must be a finite number >= 0 (0 = burst), was " + speed;
        }
        if (speed > 0 && speed < MIN_SPEED)
        {
            return "speed must be 0 (burst) or at least " + MIN_SPEED + " (1000 times slower than the original pace), was " + speed;
        }
        return null;
    }
}
