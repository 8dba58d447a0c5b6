package io.tickreplay.api.cli;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.ArrayList;
import java.util.List;

/**
 * Ctrl-C (SIGINT) and SIGTERM as a request to stop, not as the end of the JVM: while installed, either
 * signal runs the stop action (on the JVM's signal thread) and the command goes on to finish properly:
 * print what it did, record the job's end, return its exit code. A shutdown hook cannot do that: it runs
 * while the JVM is already exiting with 130 or 143, racing the command's own output. Installed before
 * the work starts, so a signal that comes first is kept and acted on as soon as there is something to
 * stop. Closing restores the handlers that were there before.
 */
final class Interrupts implements AutoCloseable
{
    private static final List<String> SIGNALS = List.of("INT", "TERM");

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private boolean requested;
    private Runnable onStop;

    private Interrupts()
    {
        for (final String name : SIGNALS)
        {
            final Signal signal = new Signal(name);
            previous.add(Signal.handle(signal, s -> request()));
            signals.add(signal);
        }
    }

    static Interrupts install()
    {
        return new Interrupts();
    }

    /** What a signal does from now on; runs at once when one came already. */
    void onStop(final Runnable action)
    {
        final boolean already;
        synchronized (this)
        {
            onStop = action;
            already = requested;
        }
        if (already)
        {
            action.run();
        }
    }

    synchronized boolean requested()
    {
        return requested;
    }

    private void request()
    {
        final Runnable action;
        synchronized (this)
        {
            requested = true;
            action = onStop;
        }
        if (action != null)
        {
            action.run();
        }
    }

    @Override
    public void close()
    {
        for (int i = 0; i < signals.size(); i++)
        {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
