package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.files.SeqAssigner;
import io.tickreplay.adapters.csv.TickCsvReader;
import io.tickreplay.adapters.csv.TickCsvWriter;
import io.tickreplay.adapters.tickfiles.TickFileReader;
import io.tickreplay.adapters.parquet.ParquetRowWriter;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.TickImporter;
import io.tickreplay.api.config.Settings;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;
import org.postgresql.PGConnection;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * The side-by-side benchmark: tickreplay against PostgreSQL's own limits on the same data, in one
 * run, in a scratch schema ({@code tickreplay_bench}) that is dropped afterwards. It first checks
 * that every contender stored the same rows, then reports rates and ratios.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Side-by-side benchmark against PostgreSQL's own limits on the same generated data. Suite 'import': a CSV of --ticks rows, and the same rows as Parquet, loaded by `import` and by PostgreSQL's COPY FROM of the CSV (the ceiling), and each file read alone. Suite 'replay': burst replays database -> bus and journal -> bus against PostgreSQL's COPY out of the same rows, and pacing at 1x and 10x. Suite 'signals': a burst replay persisting two signals against PostgreSQL computing them itself and its COPY-in. Suite 'limits': the same replay, per signals.metadata mode, against PostgreSQL COPYing the ticks out and the replay's own rows in over as many connections as it has writers, at once. Suite 'export': CSV and Parquet exports against PostgreSQL's own COPY TO of the same rows, and the ML feature set of the same window (all signals, none) in ticks/s. Suite 'latency': per-tick latency through the in-memory pipeline at --offered ticks/s, per stage, with .hgrm files. Suite 'bus': with a real Kafka and Redis started for the run, replays to each against Kafka's ProducerPerformance and a pipelined XADD loop, replay -> Kafka -> two SignalConsumers against the replay writing the rows itself, and publish -> consume latency at 10k ticks/s. Suite 'checkpoint': the burst replay persisting two signals with checkpoints off, every 5 s and every 250 ms. Suite 'multisource': a burst replay of one source against the same ticks as three sources merged, without and with two signals.")
public final class BenchCommand implements Callable<Integer>
{
    private static final String SCHEMA = "tickreplay_bench";

    @Mixin
    CommonOptions common;

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

    @Override
    public Integer call() throws Exception
    {
        if (!List.of("import", "replay", "signals", "limits", "export", "latency", "bus", "checkpoint", "multisource", "all").contains(suite))
        {
            throw new UsageException("--suite must be import, replay, signals, limits, export, latency, bus, checkpoint, multisource or all, was '" +
                suite + "'");
        }
        if (!(offered > 0) || Double.isInfinite(offered))
        {
            throw new UsageException("--offered must be a finite number > 0, was " + offered);
        }
        final long n = ticks != null ? ticks : quick ? 200_000 : 5_000_000;
        final int r = rounds != null ? rounds : quick ? 1 : 2;
        if (n < 1 || r < 1)
        {
            throw new UsageException("--ticks and --rounds must be >= 1");
        }
        final Settings settings = common.settings(Map.of());
        final Map<String, Object> report = new LinkedHashMap<>();
        try (Database main = CommonOptions.openDatabase(settings))
        {
            report.put("machine", machine(main));
            try (Connection c = main.connection(); Statement s = c.createStatement())
            {
                s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
            try (Database db = main.inSchema(SCHEMA, 4))
            {
                if (suite.equals("import") || suite.equals("all"))
                {
                    report.put("import", importSuite(db, n, r));
                    truncate(db);
                }
                if (suite.equals("signals") || suite.equals("all"))
                {
                    report.put("signals", new io.tickreplay.api.bench.SignalsBench(db, workDir).run(Math.min(n, quick ? 100_000 : 1_000_000)));
                    truncate(db);
                }
                if (suite.equals("limits") || suite.equals("all"))
                {
                    report.put("limits", new io.tickreplay.api.bench.LimitsBench(db, workDir, r).run(Math.min(n, quick ? 100_000 : 1_000_000)));
                    truncate(db);
                }
                if (suite.equals("checkpoint") || suite.equals("all"))
                {
                    try
                    {
                    // a pool with room for the run's reader and three writers plus the progress and checkpoint upserts
                    try (Database roomy = main.inSchema(SCHEMA, 8))
                    {
                        report.put("checkpoint", new io.tickreplay.api.bench.CheckpointBench(roomy, workDir, quick ? 1 : Math.max(3, r) * 2)
                            .run(Math.min(n, quick ? 100_000 : 1_000_000)));
                    }
                    }
                    finally
                    {
                        deleteTree(workDir.resolve("checkpoint-journal"));
                    }
                    truncate(db);
                }
                if (suite.equals("multisource") || suite.equals("all"))
                {
                    try (Database roomy = main.inSchema(SCHEMA, 8)) // three readers and two writers at once
                    {
                        report.put("multisource", new io.tickreplay.api.bench.MultiSourceBench(roomy, workDir, quick ? 1 : Math.max(3, r))
                            .run(Math.min(n, quick ? 100_000 : 2_000_000)));
                    }
                    truncate(db);
                }
                if (suite.equals("bus") || suite.equals("all"))
                {
                    report.put("bus", new io.tickreplay.api.bench.BusBench(db, workDir.resolve("bus"), quick).run(Math.min(n, quick ? 50_000 : 1_000_000)));
                    truncate(db);
                }
                if (suite.equals("latency") || suite.equals("all"))
                {
                    final Path hgrm = json != null && json.toAbsolutePath().getParent() != null
                        ? json.toAbsolutePath().getParent().resolve(json.getFileName().toString().replaceFirst("\\.json$", "") + "-hgrm")
                        : workDir.resolve("latency");
                    report.put("latency", new io.tickreplay.api.bench.LatencyBench(hgrm, latencyWait).run(quick ? 200_000 : Math.min(n, 5_000_000), offered));
                }
                if (suite.equals("export") || suite.equals("all"))
                {
                    report.put("export", new io.tickreplay.api.bench.ExportBench(db, workDir, r).run(n));
                    truncate(db);
                }
                if (suite.equals("replay") || suite.equals("all"))
                {
                    final Path journals = workDir.resolve("journal");
                    try
                    {
                        report.put("replay", new io.tickreplay.api.bench.ReplayBench(db, journals, r)
                            .run(n, pacedSeconds != null ? pacedSeconds : quick ? 10 : 60));
                    }
                    finally
                    {
                        deleteTree(journals);
                    }
                }
            }
            finally
            {
                try (Connection c = main.connection(); Statement s = c.createStatement())
                {
                    s.execute("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
                }
            }
        }
        final Map<String, Object> goals = goals(report);
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

    /** The benchmark issue's goals, judged on this run's figures (only those whose suites ran), printed and kept in the report. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> goals(final Map<String, Object> report)
    {
        final Map<String, Object> goals = new LinkedHashMap<>();
        final Map<String, Object> signals = (Map<String, Object>)report.get("signals");
        final Map<String, Object> replay = (Map<String, Object>)report.get("replay");
        final Map<String, Object> latency = (Map<String, Object>)report.get("latency");
        final Map<String, Object> limits = (Map<String, Object>)report.get("limits");
        final Map<String, Object> bus = (Map<String, Object>)report.get("bus");
        if (bus != null)
        {
            final Map<String, Object> kafka = (Map<String, Object>)bus.get("kafka");
            goal(goals, "replay -> Kafka (json) >= 0.8x Kafka's ProducerPerformance", number((Map<String, Object>)kafka.get("json"), "ratio"), 0.8);
            goal(goals, "replay -> Kafka (binary) >= 0.8x Kafka's ProducerPerformance", number((Map<String, Object>)kafka.get("binary"), "ratio"), 0.8);
            goal(goals, "replay -> Redis >= 0.8x a pipelined XADD loop", number((Map<String, Object>)bus.get("redis"), "ratio"), 0.8);
            goal(goals, "replay -> Kafka -> 2 SignalConsumers >= 0.8x the replay writing the rows itself",
                number((Map<String, Object>)bus.get("kafka_consumers_signals"), "ratio"), 0.8);
            final Map<String, Object> busLatency = (Map<String, Object>)bus.get("latency");
            for (final String[] k : new String[][] {{"kafka", "5"}, {"redis", "2"}})
            {
                final double p99 = number((Map<String, Object>)busLatency.get(k[0]), "p99_ms");
                final Map<String, Object> g = new LinkedHashMap<>();
                g.put("value", p99);
                g.put("goal", Double.parseDouble(k[1]));
                g.put("met", p99 <= Double.parseDouble(k[1]));
                goals.put("latency at 10k ticks/s, publish -> " + k[0] + " consumer, p99 <= " + k[1] + " ms", g);
            }
        }
        final Map<String, Object> imports = (Map<String, Object>)report.get("import");
        if (imports != null)
        {
            for (final Map.Entry<String, Object> layout : imports.entrySet())
            {
                final Map<String, Object> l = (Map<String, Object>)layout.getValue();
                goal(goals, "Parquet import >= 1M rows/s (" + layout.getKey() + ")", number(l, "best_tickreplay_import_parquet_rows_per_s"), 1_000_000);
            }
        }
        if (limits != null)
        {
            goal(goals, "replay with 2 signals persisted >= 0.9x PostgreSQL's concurrent COPY-out + COPY-in limit (metadata full)",
                number((Map<String, Object>)limits.get("full"), "ratio_replay_to_limit"), 0.9);
        }
        if (signals != null)
        {
            goal(goals, "(b) replay with 2 signals persisted >= 3x PostgreSQL computing them", number(signals, "ratio_replay_to_postgres_compute"), 3.0);
            goal(goals, "(b) >= 0.8x PostgreSQL's COPY-in of the same rows", number(signals, "ratio_replay_to_copy_in"), 0.8);
            goal(goals, "(b) >= 10x the naive JDBC replayer", number(signals, "ratio_replay_to_naive_jdbc"), 10.0);
        }
        if (replay != null)
        {
            goal(goals, "(a) replay to the bus >= 0.8x PostgreSQL's ordered COPY-out", number(replay, "ratio_replay_to_copy_out_ordered"), 0.8);
            final double journal = ((List<Number>)replay.get("replay_journal_to_bus_ticks_per_s")).stream().mapToDouble(Number::doubleValue).max().orElse(0);
            goal(goals, "(f) journal replay >= 10M ticks/s", journal, 10_000_000);
        }
        if (latency != null)
        {
            final double p99 = number((Map<String, Object>)latency.get("signals"), "p99_us");
            final Map<String, Object> g = new LinkedHashMap<>();
            g.put("value", p99);
            g.put("goal", 50.0);
            g.put("met", p99 <= 50.0);
            goals.put("latency p99 <= 50 us at " + latency.get("offered_ticks_per_s") + " ticks/s offered (shared mode)", g);
        }
        if (!goals.isEmpty())
        {
            System.out.println("goals (this run, this machine):");
            goals.forEach((name, v) ->
            {
                final Map<String, Object> g = (Map<String, Object>)v;
                System.out.printf(Locale.ROOT, "  %-72s %14s  %s%n", name, String.format(Locale.ROOT, "%,.2f", (Double)g.get("value")),
                    (Boolean)g.get("met") ? "met" : "NOT met");
            });
        }
        return goals;
    }

    private static void goal(final Map<String, Object> goals, final String name, final double value, final double goal)
    {
        final Map<String, Object> g = new LinkedHashMap<>();
        g.put("value", value);
        g.put("goal", goal);
        g.put("met", value >= goal);
        goals.put(name, g);
    }

    private static double number(final Map<String, Object> m, final String key)
    {
        final Object v = m.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private Map<String, Object> importSuite(final Database db, final long n, final int rounds) throws Exception
    {
        Files.createDirectories(workDir);
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final Layout layout : Layout.values())
        {
            final Path csv = workDir.resolve("bench-ticks-" + n + "-" + layout.key + ".csv");
            final long rows = writeCsv(csv, n, layout);
            System.out.println("bench import, " + layout.description + ": " + Format.count(rows) + " ticks in " + csv + " (" + Files.size(csv) / (1 << 20) + " MiB)");
            final Path parquet = workDir.resolve("bench-ticks-" + n + "-" + layout.key + ".parquet");
            try
            {
                writeParquet(csv, parquet);
                System.out.println("  the same rows as Parquet: " + parquet + " (" + Files.size(parquet) / (1 << 20) + " MiB, written by tickreplay's own writer)");
                out.put(layout.key, importLayout(db, csv, parquet, rows, rounds));
            }
            finally
            {
                Files.deleteIfExists(csv);
                Files.deleteIfExists(parquet);
            }
        }
        return out;
    }

    /** The CSV's rows as a Parquet file of typed columns (timestamps, doubles, nullable quote fields), as a user's would be. */
    private static void writeParquet(final Path csv, final Path parquet) throws Exception
    {
        final List<ParquetRowWriter.Column> columns = List.of(
            ParquetRowWriter.Column.required("provider", ParquetRowWriter.Type.STRING),
            ParquetRowWriter.Column.required("symbol", ParquetRowWriter.Type.STRING),
            ParquetRowWriter.Column.required("ts", ParquetRowWriter.Type.TIMESTAMP),
            ParquetRowWriter.Column.required("price", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.required("size", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("bid", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("ask", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("bid_size", ParquetRowWriter.Type.DOUBLE),
            ParquetRowWriter.Column.optional("ask_size", ParquetRowWriter.Type.DOUBLE));
        try (TickCsvReader in = TickCsvReader.open(csv, TickCsvReader.Options.defaults());
             ParquetRowWriter out = new ParquetRowWriter(parquet, columns, Map.of()))
        {
            final Tick t = new Tick();
            while (in.next(t))
            {
                out.set(0, t.provider).set(1, t.symbol).set(2, t.tsMicros).set(3, t.price).set(4, t.size);
                for (int i = 0; i < 4; i++)
                {
                    final double v = i == 0 ? t.bid : i == 1 ? t.ask : i == 2 ? t.bidSize : t.askSize;
                    if (!Double.isNaN(v))
                    {
                        out.set(5 + i, v);
                    }
                }
                out.endRow();
            }
            out.commit();
        }
    }

    /** Rows/s of reading a file to ticks, without the database: the reader's own ceiling. */
    private static double readRate(final Path file, final long rows) throws Exception
    {
        final long t0 = System.nanoTime();
        long n = 0;
        try (TickFileReader reader = TickFileReader.open(file, TickCsvReader.Options.defaults()))
        {
            final Tick t = new Tick();
            while (reader.next(t))
            {
                n++;
            }
        }
        if (n != rows)
        {
            throw new IllegalStateException(file + ": read " + n + " rows, expected " + rows);
        }
        return n * 1e9 / (System.nanoTime() - t0);
    }

    private static Map<String, Object> importLayout(final Database db, final Path csv, final Path parquet, final long rows, final int rounds) throws Exception
    {
        final List<Double> copyRates = new ArrayList<>();
        final List<Double> importRates = new ArrayList<>();
        final List<Double> parquetRates = new ArrayList<>();
        final List<Double> csvReadRates = new ArrayList<>();
        final List<Double> parquetReadRates = new ArrayList<>();
        String copyDigest = null;
        String importDigest = null;
        for (int round = 1; round <= rounds; round++)
        {
            truncate(db);
            final long t0 = System.nanoTime();
            final long copied;
            try (Connection c = db.connection(); InputStream in = Files.newInputStream(csv))
            {
                copied = c.unwrap(PGConnection.class).getCopyAPI()
                    .copyIn("COPY tick_data (" + TickCsvWriter.HEADER + ") FROM STDIN (FORMAT csv, HEADER true)", in, 1 << 16);
            }
            final double copyRate = copied * 1e9 / (System.nanoTime() - t0);
            copyRates.add(copyRate);
            copyDigest = digest(db);

            truncate(db);
            final TickImporter.Result result = new TickImporter(db.dataSource())
                .importFile(csv, TickCsvReader.Options.defaults(), TickImporter.OnError.FAIL, f -> { });
            importRates.add(result.rowsPerSecond());
            importDigest = digest(db);
            truncate(db);
            final TickImporter.Result fromParquet = new TickImporter(db.dataSource())
                .importFile(parquet, TickCsvReader.Options.defaults(), TickImporter.OnError.FAIL, f -> { });
            parquetRates.add(fromParquet.rowsPerSecond());
            final String parquetDigest = digest(db);
            csvReadRates.add(readRate(csv, rows));
            parquetReadRates.add(readRate(parquet, rows));
            System.out.printf(Locale.ROOT, "  round %d: PostgreSQL COPY FROM csv %s rows/s, tickreplay import %s rows/s (%s), of the Parquet file %s rows/s; " +
                    "reading alone: CSV %s rows/s, Parquet %s rows/s%n",
                round, Format.rate(copyRate), Format.rate(result.rowsPerSecond()), result.strategy(), Format.rate(fromParquet.rowsPerSecond()),
                Format.rate(csvReadRates.get(round - 1)), Format.rate(parquetReadRates.get(round - 1)));
            if (fromParquet.rowsInserted() != rows || !parquetDigest.equals(copyDigest))
            {
                throw new IllegalStateException("the Parquet import stored other rows: " + fromParquet.rowsInserted() + " rows, " + parquetDigest + " vs COPY " + copyDigest);
            }
            if (copied != rows || result.rowsInserted() != rows)
            {
                throw new IllegalStateException("row counts differ: file " + rows + ", COPY " + copied + ", import " + result.rowsInserted());
            }
            if (!copyDigest.equals(importDigest))
            {
                throw new IllegalStateException("the contenders stored different rows: COPY " + copyDigest + " vs import " + importDigest);
            }
        }
        truncate(db);
        final double bestCopy = copyRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestImport = importRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "  same rows stored by both (%s)%n", importDigest);
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s%n", "PostgreSQL COPY FROM csv (ceiling)", Format.rate(bestCopy));
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   %.2fx the ceiling%n", "tickreplay import", Format.rate(bestImport), bestImport / bestCopy);
        final double bestParquet = parquetRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestParquetRead = parquetReadRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        final double bestCsvRead = csvReadRates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   %.2fx the ceiling%n", "tickreplay import of the Parquet file", Format.rate(bestParquet),
            bestParquet / bestCopy);
        System.out.printf(Locale.ROOT, "  %-40s %14s rows/s   (CSV: %s rows/s)%n", "reading the Parquet file alone", Format.rate(bestParquetRead),
            Format.rate(bestCsvRead));

        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("file_bytes", Files.size(csv));
        out.put("rounds", rounds);
        out.put("rows_identical", true);
        out.put("postgres_copy_from_csv_rows_per_s", copyRates.stream().map(Math::round).toList());
        out.put("tickreplay_import_rows_per_s", importRates.stream().map(Math::round).toList());
        out.put("best_postgres_copy_rows_per_s", Math.round(bestCopy));
        out.put("best_tickreplay_import_rows_per_s", Math.round(bestImport));
        out.put("ratio_import_to_copy", Math.round(bestImport / bestCopy * 1000) / 1000.0);
        out.put("parquet_file_bytes", Files.size(parquet));
        out.put("tickreplay_import_parquet_rows_per_s", parquetRates.stream().map(Math::round).toList());
        out.put("best_tickreplay_import_parquet_rows_per_s", Math.round(bestParquet));
        out.put("ratio_parquet_import_to_copy", Math.round(bestParquet / bestCopy * 1000) / 1000.0);
        out.put("read_csv_rows_per_s", csvReadRates.stream().map(Math::round).toList());
        out.put("read_parquet_rows_per_s", parquetReadRates.stream().map(Math::round).toList());
        out.put("best_read_parquet_rows_per_s", Math.round(bestParquetRead));
        return out;
    }

    /** How the rows of the benchmark file are ordered. */
    enum Layout
    {
        SYMBOL_MAJOR("symbol_major", "symbol by symbol, each in time order (TAQ-style)"),
        TIME_ORDERED("time_ordered", "all symbols interleaved in time order (a consolidated feed)");

        final String key;
        final String description;

        Layout(final String key, final String description)
        {
            this.key = key;
            this.description = description;
        }
    }

    private static final List<String> BENCH_SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA", "META", "GOOG", "AMD", "NFLX", "INTC");

    /** Writes about {@code n} ticks of 10 symbols over as many days as needed, in {@code layout} order. */
    private static long writeCsv(final Path csv, final long n, final Layout layout) throws Exception
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("bench").symbols(BENCH_SYMBOLS)
            .days((int)Math.max(1, Math.min(20, n / 2_500_000 + 1))).seed(7);
        final double rate = SessionOptions.rateFor(n, ctx);
        ctx.ticksPerSecond(rate);
        if (layout == Layout.SYMBOL_MAJOR)
        {
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
            {
                new SyntheticSession(ctx).run(writer, f -> { });
                return writer.rows();
            }
        }
        // one file per symbol (a symbol's ticks do not depend on the others'), then a k-way merge on (ts, symbol, seq)
        final List<Path> parts = new ArrayList<>();
        try
        {
            for (final String symbol : BENCH_SYMBOLS)
            {
                final Path part = csv.resolveSibling(csv.getFileName() + "." + symbol + ".part");
                parts.add(part);
                try (Writer w = Files.newBufferedWriter(part, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
                {
                    new SyntheticSession(new SyntheticSession.Context().provider("bench").symbols(List.of(symbol))
                        .days(ctx.days()).seed(7).ticksPerSecond(rate)).run(writer, f -> { });
                }
            }
            final PriorityQueue<Source> queue = new PriorityQueue<>(
                Comparator.<Source>comparingLong(src -> src.tick.tsMicros).thenComparing(src -> src.tick.symbol).thenComparingInt(src -> src.tick.seq));
            final List<TickCsvReader> readers = new ArrayList<>();
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8); TickCsvWriter writer = new TickCsvWriter(w))
            {
                for (final Path part : parts)
                {
                    final TickCsvReader reader = TickCsvReader.open(part, TickCsvReader.Options.defaults());
                    readers.add(reader);
                    final Source source = new Source(reader);
                    if (source.advance())
                    {
                        queue.add(source);
                    }
                }
                while (!queue.isEmpty())
                {
                    final Source next = queue.poll();
                    writer.onTick(next.tick);
                    if (next.advance())
                    {
                        queue.add(next);
                    }
                }
                return writer.rows();
            }
            finally
            {
                for (final TickCsvReader reader : readers)
                {
                    reader.close();
                }
            }
        }
        finally
        {
            for (final Path part : parts)
            {
                Files.deleteIfExists(part);
            }
        }
    }

    /** One per-symbol file in the merge, with its current tick ({@code seq} numbered as import would). */
    private record Source(TickCsvReader reader, SeqAssigner seq, Tick tick)
    {
        Source(final TickCsvReader reader)
        {
            this(reader, SeqAssigner.sorted(), new Tick());
        }

        boolean advance() throws Exception
        {
            if (!reader.next(tick))
            {
                return false;
            }
            tick.seq = seq.next(tick.provider, tick.symbol, tick.tsMicros);
            return true;
        }
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

    private static void truncate(final Database db) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("TRUNCATE tick_data");
            s.execute("CHECKPOINT");
        }
    }

    /** Count and sums over every column: equal digests mean the same rows, for any practical purpose. */
    private static String digest(final Database db) throws SQLException
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(DISTINCT symbol), sum(seq), sum(extract(epoch FROM ts)), " +
                 "sum(price::numeric * size::numeric), sum(bid::numeric), sum(ask::numeric), sum(bid_size::numeric), sum(ask_size::numeric) FROM tick_data"))
        {
            rs.next();
            final StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 9; i++)
            {
                b.append(i == 1 ? "" : " ").append(rs.getString(i));
            }
            return b.toString();
        }
    }

    static Map<String, Object> machine(final Database db) throws SQLException
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("date", Instant.now().toString());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
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
