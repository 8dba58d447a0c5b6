package io.tickreplay.api.cli;

import io.tickreplay.api.config.Checkout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code tickreplay bench}: the side-by-side benchmark against PostgreSQL's own limits. The suites
 * live in the benchmarks module ({@code io.tickreplay.benchmarks.bench}), above this one: they drive
 * the replay service, the buses and the settings. This command keeps the flags and their help
 * ({@link BenchOptions}), checks them, and runs the bench in a JVM of its own from
 * {@code benchmarks/target/benchmarks.jar}, the way {@code tickreplay broker kafka} runs Kafka from
 * {@code broker/}: the same arguments, the engine's JVM flags ({@code engine.jvm.flags} of the parent
 * pom) followed by this JVM's own (a heap size, {@code -D} properties; no agents), the same stdin,
 * stdout and stderr. Its exit code is the bench's; stopping this JVM stops the bench.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Side-by-side benchmark against PostgreSQL's own limits on the same generated data. Suite 'import': a CSV of --ticks rows, and the same rows as Parquet, loaded by `import` and by PostgreSQL's COPY FROM of the CSV (the ceiling), and each file read alone. Suite 'replay': burst replays database -> bus and journal -> bus against PostgreSQL's COPY out of the same rows, and pacing at 1x and 10x. Suite 'signals': a burst replay persisting two signals against PostgreSQL computing them itself and its COPY-in. Suite 'limits': the same replay, per signals.metadata mode, against PostgreSQL COPYing the ticks out and the replay's own rows in over as many connections as it has writers, at once. Suite 'export': CSV and Parquet exports against PostgreSQL's own COPY TO of the same rows, and the ML feature set of the same window (all signals, none) in ticks/s. Suite 'latency': per-tick latency through the in-memory pipeline at --offered ticks/s, per stage, with .hgrm files. Suite 'bus': with a real Kafka and Redis started for the run, replays to each against Kafka's ProducerPerformance and a pipelined XADD loop, replay -> Kafka -> two SignalConsumers against the replay writing the rows itself, and publish -> consume latency at 10k ticks/s. Suite 'checkpoint': the burst replay persisting two signals with checkpoints off, every 5 s and every 250 ms. Suite 'multisource': a burst replay of one source against the same ticks as three sources merged, without and with two signals.")
public final class BenchCommand implements Callable<Integer>
{
    /** The bench's entry point in the benchmarks module's jar. */
    public static final String MAIN_CLASS = "io.tickreplay.benchmarks.bench.BenchMain";

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    BenchOptions options;

    @Override
    public Integer call() throws Exception
    {
        options.conclude();
        final Path jar = Checkout.file("tickreplay.benchmarks.jar", "benchmarks/target/benchmarks.jar");
        if (!Files.isRegularFile(jar))
        {
            throw new IllegalStateException("the bench is not built (" + jar + " is missing): run ./tickreplay bench from the checkout, " +
                "or ./mvnw -B -q -DskipTests -pl api,benchmarks -am package");
        }
        final Process bench = new ProcessBuilder(command(jar, spec.commandLine().getParseResult().expandedArgs())).inheritIO().start();
        // the bench stops its brokers and its embedded PostgreSQL in its own shutdown hooks: give it the time they take
        final Thread stopper = new Thread(() ->
        {
            bench.destroy();
            try
            {
                bench.waitFor();
            }
            catch (final InterruptedException e)
            {
                bench.destroyForcibly();
            }
        }, "bench-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        final int exit = bench.waitFor();
        try
        {
            Runtime.getRuntime().removeShutdownHook(stopper);
        }
        catch (final IllegalStateException shuttingDown)
        {
            // the hook is running: it has stopped the bench
        }
        return exit;
    }

    /** The bench's JVM: java, the engine's flags, this JVM's own but agents, the jar, {@link #MAIN_CLASS}, {@code args}. */
    static List<String> command(final Path jar, final List<String> args) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(engineJvmFlags());
        for (final String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            // a debugger or profiler agent would bind its port twice
            if (!flag.startsWith("-agentlib") && !flag.startsWith("-agentpath") && !flag.startsWith("-javaagent") && !flag.startsWith("-Xrunjdwp"))
            {
                command.add(flag);
            }
        }
        command.addAll(List.of("-cp", jar.toString(), MAIN_CLASS));
        command.addAll(args);
        return command;
    }

    /** The parent pom's {@code engine.jvm.flags}, which the build writes into this jar. */
    static List<String> engineJvmFlags() throws IOException
    {
        try (InputStream in = BenchCommand.class.getResourceAsStream("engine-jvm.flags"))
        {
            final String flags = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            if (flags.isEmpty() || flags.contains("${"))
            {
                throw new IllegalStateException("this jar was built without the engine's JVM flags (engine-jvm.flags, filtered by Maven): rebuild it with ./mvnw");
            }
            return List.of(flags.split("\\s+"));
        }
    }
}
