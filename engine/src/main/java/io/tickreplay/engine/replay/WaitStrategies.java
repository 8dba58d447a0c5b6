package io.tickreplay.engine.replay;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.LiteBlockingWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

import java.util.List;
import java.util.Locale;

/**
 * The ring wait strategies by name, and which of them keep a core busy while idle.
 *
 * <ul>
 *   <li>{@code backoff} (default): {@link BackoffWaitStrategy}: spins, yields, then parks for up to 1 ms;
 *   publishers never signal; an idle stage costs next to nothing, the first tick after an idle spell
 *   waits up to 1 ms longer.</li>
 *   <li>{@code sleeping}: the Disruptor's: parks ~60 us at a time, about 15-20 % of a core per idle stage here.</li>
 *   <li>{@code lite-blocking} / {@code blocking}: consumers sleep on a condition while waiting for the
 *   publisher, but busy-spin while waiting for an upstream stage (the pacer); publishers pay to signal.</li>
 *   <li>{@code yielding}, {@code busy-spin}: lowest latency, a whole core per consumer thread, allowed
 *   only when the machine has a core for each ({@link #spins}).</li>
 * </ul>
 */
public final class WaitStrategies
{
    public static final List<String> NAMES = List.of("backoff", "sleeping", "lite-blocking", "blocking", "yielding", "busy-spin");

    private WaitStrategies()
    {
    }

    public static WaitStrategy of(final String name)
    {
        return switch (name.toLowerCase(Locale.ROOT))
        {
            case "backoff" -> new BackoffWaitStrategy(1_000_000);
            case "sleeping" -> new SleepingWaitStrategy();
            case "lite-blocking" -> new LiteBlockingWaitStrategy();
            case "blocking" -> new BlockingWaitStrategy();
            case "yielding" -> new YieldingWaitStrategy();
            case "busy-spin" -> new BusySpinWaitStrategy();
            default -> throw new IllegalArgumentException("wait strategy must be one of " + NAMES + ", was '" + name + "'");
        };
    }

    /** True when an idle consumer on this strategy keeps its core busy. */
    public static boolean spins(final String name)
    {
        final String n = name.toLowerCase(Locale.ROOT);
        return n.equals("yielding") || n.equals("busy-spin");
    }
}
