package io.tickreplay.api.cli;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.DoubleConsumer;

/**
 * A one-line progress bar on stderr, redrawn in place at most ten times a second, when stderr is a
 * terminal; silent otherwise (logs and CI stay clean). Single-threaded: fed by the working thread.
 */
public final class ProgressBar implements DoubleConsumer, AutoCloseable
{
    private static final int WIDTH = 30;

    private final String label;
    private final PrintStream out;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;
    private double fraction;

    public ProgressBar(final String label)
    {
        this(label, System.err, System.console() != null);
    }

    ProgressBar(final String label, final PrintStream out, final boolean enabled)
    {
        this.label = label;
        this.out = out;
        this.enabled = enabled;
    }

    @Override
    public void accept(final double value)
    {
        fraction = Math.max(0, Math.min(1, value));
        final long now = System.nanoTime();
        if (enabled && (now - lastDraw > 100_000_000L || fraction >= 1.0))
        {
            lastDraw = now;
            draw();
        }
    }

    private void draw()
    {
        final int filled = (int)(fraction * WIDTH);
        final double seconds = (System.nanoTime() - start) / 1e9;
        out.print(String.format(Locale.ROOT, "\r%s [%s%s] %3.0f%%  %.1fs ", label, "#".repeat(filled), ".".repeat(WIDTH - filled), fraction * 100, seconds));
        out.flush();
    }

    @Override
    public void close()
    {
        if (enabled && lastDraw != 0)
        {
            out.print("\r" + " ".repeat(label.length() + WIDTH + 20) + "\r");
            out.flush();
        }
    }
}
