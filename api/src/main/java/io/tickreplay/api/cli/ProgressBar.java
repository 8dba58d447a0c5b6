package io.tickreplay.api.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;

/**
 * A command's progress on stderr, always, whatever stdout is: on a terminal a one-line bar redrawn in
 * place at most ten times a second; otherwise (a pipe, a file, CI) a plain line every 10 s, so that a
 * long command under {@code > job.json} is never silent; nothing with {@code --quiet}. Single-threaded:
 * fed by the working thread.
 */
public final class ProgressBar implements DoubleConsumer, AutoCloseable
{
    /** How progress is shown. */
    enum Mode
    {
        BAR, LINES, OFF
    }

    private static final int WIDTH = 30;
    private static final long LINE_EVERY_NANOS = 10_000_000_000L;
    private static volatile boolean quiet;

    private final String label;
    private final PrintStream out;
    private final Mode mode;
    private final Supplier<String> detail;
    private final long start = System.nanoTime();
    private long lastDraw;
    private double fraction;

    public ProgressBar(final String label)
    {
        this(label, () -> "");
    }

    /** @param detail what the plain line adds after the percentage (counts, rates, where it is) */
    public ProgressBar(final String label, final Supplier<String> detail)
    {
        this(label, System.err, quiet ? Mode.OFF : stderrIsTerminal() ? Mode.BAR : Mode.LINES, detail);
    }

    ProgressBar(final String label, final PrintStream out, final Mode mode, final Supplier<String> detail)
    {
        this.label = label;
        this.out = out;
        this.mode = mode;
        this.detail = detail;
        this.lastDraw = mode == Mode.LINES ? start : 0;
    }

    /** {@code --quiet}: no progress from this process's commands. */
    static void quiet(final boolean silent)
    {
        quiet = silent;
    }

    /** Whether stderr itself is a terminal (System.console() needs stdin and stdout to be one too). */
    static boolean stderrIsTerminal()
    {
        try
        {
            final String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        }
        catch (final IOException | UnsupportedOperationException | SecurityException e)
        {
            return System.console() != null;
        }
    }

    @Override
    public void accept(final double value)
    {
        fraction = Math.max(0, Math.min(1, value));
        final long now = System.nanoTime();
        if (mode == Mode.BAR && (now - lastDraw > 100_000_000L || fraction >= 1.0))
        {
            lastDraw = now;
            draw();
        }
        else if (mode == Mode.LINES && now - lastDraw >= LINE_EVERY_NANOS)
        {
            lastDraw = now;
            final String more = detail.get();
            out.println(String.format(Locale.ROOT, "%s: %.0f%% after %.0f s%s", label, fraction * 100, (now - start) / 1e9, more.isEmpty() ? "" : ", " + more));
            out.flush();
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
        if (mode == Mode.BAR && lastDraw != 0)
        {
            out.print("\r" + " ".repeat(label.length() + WIDTH + 20) + "\r");
            out.flush();
        }
    }
}
