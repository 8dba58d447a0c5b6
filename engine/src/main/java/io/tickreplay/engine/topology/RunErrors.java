package io.tickreplay.engine.topology;

import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;

import java.util.Map;
import java.util.TreeMap;

/**
 * The error handler of one run (Agrona's {@code ErrorHandler} with its counters as the model): every
 * stage's failure, an {@link Error} included, comes here on the failing stage's thread. It counts it by
 * stage and kind (the class of its root cause), applies the run's one policy (the first failure fails
 * the run with the stage's name and message, and cancels it so that every stage reaches its end) and
 * tells the {@link Listener}, which the api gives to count the error into {@code /metrics} and log it
 * with the run's id. Thread-safe; allocation only on an error.
 */
public final class RunErrors
{
    /** Told of each error of a run, on the failing stage's thread; must not throw. */
    @FunctionalInterface
    public interface Listener
    {
        Listener NONE = (stage, kind, error) -> { };

        /** {@code kind}: the simple class name of the error's root cause ({@code PSQLException}, {@code OutOfMemoryError}). */
        void onError(String stage, String kind, Throwable error);
    }

    private final ReplayOutcome outcome;
    private final ReplayControl control;
    private final Listener listener;
    private final Map<String, Long> counts = new TreeMap<>();

    RunErrors(final ReplayOutcome outcome, final ReplayControl control, final Listener listener)
    {
        this.outcome = outcome;
        this.control = control;
        this.listener = listener;
    }

    /**
     * A stage failed: the run failed (first failure wins) and cancelled first, with nothing allocated, so
     * that even an {@link OutOfMemoryError} ends the run; then counted and the listener told. Never throws.
     */
    public void onError(final String stage, final Throwable error)
    {
        try
        {
            outcome.fail(stage, error);
            control.cancel();
        }
        catch (final Throwable again)
        {
            // nothing more can be done on this thread: the caller's stage stops, the others see the cancel if it was set
            return;
        }
        try
        {
            final String kind = kind(error);
            synchronized (counts)
            {
                counts.merge(stage + "/" + kind, 1L, Long::sum);
            }
            listener.onError(stage, kind, error);
        }
        catch (final Throwable ignored)
        {
            // counting must not hide the failure it counts (out of memory while counting it)
        }
    }

    /** The errors so far, as {@code "stage/kind" -> count}, in name order. */
    public Map<String, Long> counts()
    {
        synchronized (counts)
        {
            return new TreeMap<>(counts);
        }
    }

    /** The simple class name of the root cause: what an operator looks for first. */
    static String kind(final Throwable error)
    {
        Throwable t = error;
        for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 16; depth++)
        {
            t = t.getCause();
        }
        return t.getClass().getSimpleName();
    }
}
