package io.tickreplay.api.cli;

import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;

/**
 * The flags of {@code tickreplay bench}, with their defaults and {@link #conclude()}'s checks. Parsed
 * twice from the same arguments: by {@link BenchCommand}, which checks them and hands them on, and by
 * the bench's own JVM ({@code benchmarks/}, {@code BenchMain}), which runs them.
 */
public final class BenchOptions
{
    /** The suites, in the order {@code --help} names them; {@code all} runs every one. */
    public static final List<String> SUITES = List.of("import", "replay", "signals", "limits", "export", "latency", "bus", "checkpoint", "multisource", "all");

    @Option(names = "--suite", paramLabel = "import|replay|signals|limits|export|latency|bus|checkpoint|multisource|all", description = "Which comparisons (default all; the signals suite uses at most 1M ticks).")
    String suite = "all";

    @Option(names = "--offered", paramLabel = "TICKS_PER_S", description = "Load offered to the in-memory pipeline by the latency suite (default 1,000,000).")
    double offered = 1_000_000;

    @Option(names = "--latency-wait-strategy", paramLabel = "NAME", description = "Ring wait strategy of the latency suite (default backoff, the engine's default).")
    String latencyWait = "backoff";

    @Option(names = "--paced-seconds", paramLabel = "S", description = "Length of the 1x pacing run (default 60, --quick 10).")
    Long pacedSeconds;

    @Option(names = "--ticks", description = "Ticks in the generated data (default 5,000,000; --quick 200,000).")
    Long ticks;

    @Option(names = "--rounds", description = "Alternating rounds per contender; the best is reported (default 2, --quick 1).")
    Integer rounds;

    @Option(names = "--quick", description = "Small and fast: a correctness check for CI, not a measurement.")
    boolean quick;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results, with the machine, as JSON.")
    Path json;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where the generated files go (default data/bench).")
    Path workDir = Path.of("data", "bench");

    /** Checks the flags together; a {@link UsageException} (exit code 2) names the first that is wrong. */
    public BenchOptions conclude()
    {
        if (!SUITES.contains(suite))
        {
            throw new UsageException("--suite must be import, replay, signals, limits, export, latency, bus, checkpoint, multisource or all, was '" +
                suite + "'");
        }
        if (!(offered > 0) || Double.isInfinite(offered))
        {
            throw new UsageException("--offered must be a finite number > 0, was " + offered);
        }
        if (ticks() < 1 || rounds() < 1)
        {
            throw new UsageException("--ticks and --rounds must be >= 1");
        }
        return this;
    }

    /** Whether {@code --suite} names {@code name} or {@code all}. */
    public boolean runs(final String name)
    {
        return suite.equals(name) || suite.equals("all");
    }

    public double offered()
    {
        return offered;
    }

    public String latencyWaitStrategy()
    {
        return latencyWait;
    }

    public long pacedSeconds()
    {
        return pacedSeconds != null ? pacedSeconds : quick ? 10 : 60;
    }

    public long ticks()
    {
        return ticks != null ? ticks : quick ? 200_000 : 5_000_000;
    }

    public int rounds()
    {
        return rounds != null ? rounds : quick ? 1 : 2;
    }

    public boolean quick()
    {
        return quick;
    }

    /** The JSON report's file, or null for none. */
    public Path json()
    {
        return json;
    }

    public Path workDir()
    {
        return workDir;
    }
}
