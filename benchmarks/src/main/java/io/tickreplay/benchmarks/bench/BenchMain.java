package io.tickreplay.benchmarks.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.Main;
import io.tickreplay.api.cli.BenchOptions;
import io.tickreplay.api.cli.CommonOptions;
import io.tickreplay.api.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The side-by-side benchmark: tickreplay against PostgreSQL's own limits on the same data, in one
 * run, in a scratch schema ({@code tickreplay_bench}) that is dropped afterwards. Every suite first
 * checks that its contenders stored or emitted the same rows, then reports rates and ratios; the
 * report, with the machine and the goals, can go to a JSON file.
 *
 * <p>{@code tickreplay bench} (api's {@code BenchCommand}) runs this class's {@link #main} in a JVM
 * of its own, from {@code benchmarks/target/benchmarks.jar}, with the same arguments: the api module
 * knows the flags ({@link BenchOptions}) but not the suites, which drive it from above.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "The side-by-side bench, as `tickreplay bench` runs it in a JVM of its own; `tickreplay bench --help` describes the suites.")
public final class BenchMain implements Callable<Integer>
{
    private static final String SCHEMA = "tickreplay_bench";

    @Mixin
    CommonOptions common;

    @Mixin
    BenchOptions options;

    public static void main(final String[] args)
    {
        // Chronicle phones home unless told not to
        System.setProperty("chronicle.analytics.disable", "true");
        System.exit(execute(args));
    }

    /** Runs the bench with {@code tickreplay bench}'s arguments (already @-expanded by it); returns the exit code: 0, 1 failed, 2 bad arguments. */
    public static int execute(final String... args)
    {
        final CommandLine cli = Main.configured(new CommandLine(new BenchMain()));
        cli.setExpandAtFiles(false);
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception
    {
        options.conclude();
        final long n = options.ticks();
        final int r = options.rounds();
        final boolean quick = options.quick();
        final Path workDir = options.workDir();
        final Path json = options.json();
        final Settings settings = common.settings(Map.of());
        final Map<String, Object> report = new LinkedHashMap<>();
        try (Database main = CommonOptions.openDatabase(settings))
        {
            report.put("machine", machine(main));
            BenchSql.execute(main, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            try (Database db = main.inSchema(SCHEMA, 4))
            {
                if (options.runs("import"))
                {
                    report.put("import", new ImportBench(db, workDir, r).run(n));
                    BenchSql.truncate(db);
                }
                if (options.runs("signals"))
                {
                    report.put("signals", new SignalsBench(db, workDir).run(Math.min(n, quick ? 100_000 : 1_000_000)));
                    BenchSql.truncate(db);
                }
                if (options.runs("limits"))
                {
                    report.put("limits", new LimitsBench(db, workDir, r).run(Math.min(n, quick ? 100_000 : 1_000_000)));
                    BenchSql.truncate(db);
                }
                if (options.runs("checkpoint"))
                {
                    try
                    {
                        // a pool with room for the run's reader and three writers plus the progress and checkpoint upserts
                        try (Database roomy = main.inSchema(SCHEMA, 8))
                        {
                            report.put("checkpoint", new CheckpointBench(roomy, workDir, quick ? 1 : Math.max(3, r) * 2)
                                .run(Math.min(n, quick ? 100_000 : 1_000_000)));
                        }
                    }
                    finally
                    {
                        deleteTree(workDir.resolve("checkpoint-journal"));
                    }
                    BenchSql.truncate(db);
                }
                if (options.runs("multisource"))
                {
                    try (Database roomy = main.inSchema(SCHEMA, 8)) // three readers and two writers at once
                    {
                        report.put("multisource", new MultiSourceBench(roomy, workDir, quick ? 1 : Math.max(3, r))
                            .run(Math.min(n, quick ? 100_000 : 2_000_000)));
                    }
                    BenchSql.truncate(db);
                }
                if (options.runs("bus"))
                {
                    report.put("bus", new BusBench(db, workDir.resolve("bus"), quick).run(Math.min(n, quick ? 50_000 : 1_000_000)));
                    BenchSql.truncate(db);
                }
                if (options.runs("latency"))
                {
                    final Path hgrm = json != null && json.toAbsolutePath().getParent() != null
                        ? json.toAbsolutePath().getParent().resolve(json.getFileName().toString().replaceFirst("\\.json$", "") + "-hgrm")
                        : workDir.resolve("latency");
                    report.put("latency", new LatencyBench(hgrm, options.latencyWaitStrategy())
                        .run(quick ? 200_000 : Math.min(n, 5_000_000), options.offered()));
                }
                if (options.runs("export"))
                {
                    report.put("export", new ExportBench(db, workDir, r).run(n));
                    BenchSql.truncate(db);
                }
                if (options.runs("replay"))
                {
                    final Path journals = workDir.resolve("journal");
                    try
                    {
                        report.put("replay", new ReplayBench(db, journals, r).run(n, options.pacedSeconds()));
                    }
                    finally
                    {
                        deleteTree(journals);
                    }
                }
            }
            finally
            {
                BenchSql.execute(main, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
        }
        final Map<String, Object> goals = BenchGoals.of(report);
        if (!goals.isEmpty())
        {
            report.put("goals", goals);
        }
        if (json != null)
        {
            final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            if (json.toAbsolutePath().getParent() != null)
            {
                Files.createDirectories(json.toAbsolutePath().getParent());
            }
            mapper.writeValue(json.toFile(), report);
            System.out.println("results written to " + json);
        }
        return 0;
    }

    private static void deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (final Path p : paths.sorted(Comparator.reverseOrder()).toList())
            {
                Files.deleteIfExists(p);
            }
        }
    }

    /** What the figures were measured on, recorded with them. */
    static Map<String, Object> machine(final Database db) throws SQLException
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        final OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun)
        {
            m.put("memory_gib", Math.round(sun.getTotalMemorySize() / (double)(1L << 30)));
        }
        m.put("cpu", cpuModel());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("postgresql", db.serverVersion() + (db.embedded() ? " (embedded)" : ""));
        return m;
    }

    private static String cpuModel()
    {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo")))
        {
            return lines.filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        }
        catch (final IOException | RuntimeException e)
        {
            return "unknown";
        }
    }
}
