package io.tickreplay.api.models;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PgFeatureExporter;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A replay with an online-linear model on a real PostgreSQL: its pred_ rows equal the spec's recursive
 * least squares computed here with plain loops over the rows {@code export features} writes for the same
 * window (the model is fed those rows), and its manifest names the model; unknown and ONNX models are
 * refused before the run starts.
 */
class ModelReplayIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant START = Instant.parse("2025-11-03T14:30:00Z");
    private static final Instant END = Instant.parse("2025-11-03T16:30:00Z");
    private static final List<String> FEATURES = List.of("close", "spread_bps", "vwap_deviation_bps");
    private static final int H = 3;
    private static final double LAMBDA = 0.99;
    private static final double DELTA = 100;

    @TempDir
    static Path dir;

    private static Database db;
    private static ReplayService service;
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("models", 10);
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(2).seed(11);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        service = new ReplayService(db, new InProcessBus(1 << 14, new SleepingWaitStrategy()), METRICS,
            new ReplayService.Context().journalDir(dir.resolve("journal")).models(dir.resolve("models"), 1 << 20).ticksRingSize(1 << 14)
                .checkpointInterval(java.time.Duration.ofMillis(100)).progressIntervalMillis(100)
                .metricsRetentionMinutes(5).signals(List.of("none"))); // the ended run's series stay to be read
        service.models().add(new ModelRegistry.Spec("rls", "online-linear", FEATURES, "1m", H, LAMBDA, DELTA));
        // no signal with a day's warm-up: a resume's signals would start reading an hour before its checkpoint
        service.models().add(new ModelRegistry.Spec("short", "online-linear", List.of("close", "spread_bps"), "1m", 2, LAMBDA, DELTA));
    }

    @AfterAll
    static void stop()
    {
        service.close();
        db.close();
    }

    @Test
    void predictionsEqualThePlainSpecOverTheExportedFeatureRows() throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withSignals(List.of("spread_bps"))
            .withModels(List.of("rls")));
        final ReplayOutcome outcome = run.done().get(2, TimeUnit.MINUTES);
        assertThat(outcome.errorMessage()).isNull();

        final Map<String, TreeMap<Instant, Double>> stored = new HashMap<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, value FROM signals WHERE name = 'pred_rls' AND run_id = ? ORDER BY symbol, ts"))
        {
            s.setLong(1, run.runId());
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    stored.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getDouble(3));
                }
            }
        }

        final Path csv = dir.resolve("features.csv");
        new PgFeatureExporter(db.dataSource()).export(new PgFeatureExporter.Query("ibkr", SYMBOLS, START, END, "1m",
            List.of("spread_bps", "vwap_deviation_bps"), new int[] {1}), csv, FileFormat.CSV, n -> { });
        final Map<String, TreeMap<Instant, Double>> expected = plainRls(Files.readAllLines(csv));

        // export features with the model: its column holds what the replay stored, bar for bar (the same row fed the same model)
        final Path withModel = dir.resolve("features-pred.csv");
        new PgFeatureExporter(db.dataSource()).export(new PgFeatureExporter.Query("ibkr", SYMBOLS, START, END, "1m",
            List.of("spread_bps", "vwap_deviation_bps"), new int[] {1}, service.models().specs(List.of("rls"), "models")), withModel, FileFormat.CSV, n -> { });
        final List<String> predLines = Files.readAllLines(withModel);
        final int predAt = List.of(predLines.get(0).split(",", -1)).indexOf("pred_rls");
        assertThat(predAt).as("a pred_rls column after the signals").isGreaterThan(0);
        int compared = 0;
        for (final String line : predLines.subList(1, predLines.size()))
        {
            final String[] f = line.split(",", -1);
            final Double storedValue = stored.get(f[1]).get(Instant.parse(f[2]));
            if (f[predAt].isEmpty())
            {
                assertThat(storedValue).as("%s %s: no prediction in the file, none stored", f[1], f[2]).isNull();
            }
            else
            {
                assertThat(Double.parseDouble(f[predAt])).as("%s %s", f[1], f[2]).isEqualTo(storedValue);
                compared++;
            }
        }
        assertThat(compared).isEqualTo(stored.values().stream().mapToInt(TreeMap::size).sum());

        for (final String symbol : SYMBOLS)
        {
            final TreeMap<Instant, Double> want = expected.get(symbol);
            final TreeMap<Instant, Double> got = stored.get(symbol);
            assertThat(want).as("bars with every feature").hasSizeGreaterThan(60);
            assertThat(got.keySet()).as(symbol + ": a prediction for each bar with every feature").isEqualTo(want.keySet());
            for (final Map.Entry<Instant, Double> e : want.entrySet())
            {
                assertThat(got.get(e.getKey())).as("%s %s", symbol, e.getKey()).isCloseTo(e.getValue(),
                    org.assertj.core.api.Assertions.within(1e-9 * Math.max(1, Math.abs(e.getValue()))));
            }
            assertThat(want.values().stream().filter(v -> v != 0).count()).as("it learnt: predictions after the first labels are not 0").isGreaterThan(30);
        }

        // the scores of each label's arrival, as model_scores holds them
        final Map<String, TreeMap<Instant, double[]>> scores = new HashMap<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, metric, value FROM model_scores WHERE model = 'rls' AND run_id = ?"))
        {
            s.setLong(1, run.runId());
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    final double[] v = scores.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).computeIfAbsent(
                        rs.getObject(2, OffsetDateTime.class).toInstant(), k -> new double[] {Double.NaN, Double.NaN, Double.NaN, Double.NaN});
                    v[List.of("ic", "hit_rate", "mse", "count").indexOf(rs.getString(3))] = rs.getDouble(4);
                }
            }
        }
        for (final String symbol : SYMBOLS)
        {
            final TreeMap<Instant, double[]> want = SCORES.get(symbol);
            assertThat(scores.get(symbol).keySet()).as(symbol + ": a score row set per label").isEqualTo(want.keySet()).hasSizeGreaterThan(50);
            for (final Map.Entry<Instant, double[]> e : want.entrySet())
            {
                final double[] got = scores.get(symbol).get(e.getKey());
                for (int k = 0; k < 4; k++)
                {
                    if (Double.isNaN(e.getValue()[k]))
                    {
                        assertThat(got[k]).as("%s %s metric %d: no row", symbol, e.getKey(), k).isNaN();
                    }
                    else
                    {
                        assertThat(got[k]).as("%s %s metric %d", symbol, e.getKey(), k).isCloseTo(e.getValue()[k],
                            org.assertj.core.api.Assertions.within(1e-9 * Math.max(1, Math.abs(e.getValue()[k]))));
                    }
                }
            }
        }

        // the weights after each update, as model_weights holds them (export model-weights writes them)
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, weights FROM model_weights WHERE model = 'rls' AND run_id = ?"))
        {
            s.setLong(1, run.runId());
            final Map<String, TreeMap<Instant, double[]>> got = new HashMap<>();
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    got.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getObject(2, OffsetDateTime.class).toInstant(),
                        java.util.Arrays.stream((Double[])rs.getArray(3).getArray()).mapToDouble(Double::doubleValue).toArray());
                }
            }
            for (final String symbol : SYMBOLS)
            {
                assertThat(got.get(symbol).keySet()).as(symbol + ": weights after each update").isEqualTo(WEIGHTS.get(symbol).keySet()).hasSizeGreaterThan(50);
                for (final Map.Entry<Instant, double[]> e : WEIGHTS.get(symbol).entrySet())
                {
                    final double scale = java.util.Arrays.stream(e.getValue()).map(Math::abs).max().orElse(1);
                    final double[] w = got.get(symbol).get(e.getKey());
                    for (int i = 0; i < w.length; i++)
                    {
                        assertThat(w[i]).as("%s %s w%d", symbol, e.getKey(), i).isCloseTo(e.getValue()[i],
                            org.assertj.core.api.Assertions.within(1e-9 * Math.max(scale, 1e-12)));
                    }
                }
            }
        }

        // the gauges hold each (model, symbol)'s latest scores; the counter every prediction made
        final String runTag = String.valueOf(run.runId());
        for (final String symbol : SYMBOLS)
        {
            final double[] last = SCORES.get(symbol).lastEntry().getValue();
            assertThat(METRICS.get("model_ic").tags("model", "rls", "symbol", symbol, "run_id", runTag).gauge().value()).isCloseTo(last[0],
                org.assertj.core.api.Assertions.within(1e-9));
            assertThat(METRICS.get("model_hit_rate").tags("model", "rls", "symbol", symbol, "run_id", runTag).gauge().value()).isCloseTo(last[1],
                org.assertj.core.api.Assertions.within(1e-9));
        }
        assertThat(METRICS.get("model_predictions").tags("model", "rls", "run_id", runTag).functionCounter().count())
            .isEqualTo(stored.values().stream().mapToInt(TreeMap::size).sum());
        assertThat(METRICS.get("model_inference").tags("model", "rls", "run_id", runTag).functionTimer().count())
            .isEqualTo(stored.values().stream().mapToInt(TreeMap::size).sum());

        final JobRunStore.JobRun job = service.jobs().find(run.runId()).orElseThrow();
        assertThat(job.metadata().get("models")).isEqualTo(List.of("rls"));
        @SuppressWarnings("unchecked")
        final Map<String, Object> manifest = (Map<String, Object>)job.metadata().get("manifest");
        assertThat(manifest.get("models").toString()).contains("name=rls").contains("type=online-linear").contains("lambda=0.99").contains("horizon=3");
        @SuppressWarnings("unchecked")
        final List<String> signals = (List<String>)job.metadata().get("signals");
        assertThat(signals).as("the signals the model reads are computed with the run's").contains("spread_bps", "vwap_deviation_bps");
    }

    @Test
    void aRunWithAModelCancelledAndResumedFromItsCheckpointPredictsAndScoresAsAnUninterruptedOne() throws Exception
    {
        final ReplayRequest request = ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withSignals(List.of("spread_bps"))
            .withModels(List.of("short"));
        final ReplayRun whole = service.start(request);
        assertThat(whole.done().get(2, TimeUnit.MINUTES).errorMessage()).isNull();

        final ReplayRun cut = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 500).withSignals(List.of("spread_bps"))
            .withModels(List.of("short")));
        // past the window's first hour: the signals' warm-up of a resume would start after the window's start, the model's must not
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> checkpointTs(cut.runId()).isAfter(START.plusSeconds(4_000)));
        cut.control().cancel();
        cut.done().get(30, TimeUnit.SECONDS);
        final long at = checkpointTicks(cut.runId());
        assertThat(at).as("cut before its end").isLessThan(whole.done().get().ticks());
        final ReplayRun resumed = service.resume(cut.runId(), 0.0);
        assertThat(resumed.done().get(2, TimeUnit.MINUTES).errorMessage()).isNull();
        assertThat(service.jobs().find(cut.runId()).orElseThrow().status()).isEqualTo("completed");

        assertThat(rows("signals", "value", "name = 'pred_short'", cut.runId())).isEqualTo(rows("signals", "value", "name = 'pred_short'", whole.runId()))
            .hasSizeGreaterThan(100);
        assertThat(rows("model_scores", "value", "model = 'short'", cut.runId())).isEqualTo(rows("model_scores", "value", "model = 'short'", whole.runId()))
            .hasSizeGreaterThan(100);
    }

    private static Instant checkpointTs(final long runId) throws Exception
    {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT coalesce(max(last_ts), '-infinity') FROM replay_checkpoints WHERE run_id = ?"))
        {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                final OffsetDateTime t = rs.getObject(1, OffsetDateTime.class);
                return t == null ? Instant.MIN : t.toInstant();
            }
        }
    }

    private static long checkpointTicks(final long runId) throws Exception
    {
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT coalesce(max(ticks), 0) FROM replay_checkpoints WHERE run_id = ?"))
        {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A run's rows of {@code table} as "symbol ts [metric]" to value. */
    private static Map<String, Double> rows(final String table, final String value, final String where, final long runId) throws Exception
    {
        final Map<String, Double> out = new TreeMap<>();
        final String key = table.equals("model_scores") ? "symbol || ' ' || ts || ' ' || metric" : "symbol || ' ' || ts";
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT " + key + ", " + value + " FROM " + table + " WHERE " + where + " AND run_id = ?"))
        {
            s.setLong(1, runId);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.put(rs.getString(1), rs.getDouble(2));
                }
            }
        }
        return out;
    }

    @Test
    void anUnknownModelIsRefusedBeforeTheRunStarts()
    {
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withModels(List.of("nope"))))
            .isInstanceOf(InvalidRequest.class).hasMessageContaining("no model named 'nope'").hasMessageContaining("rls")
            .satisfies(e -> assertThat(((InvalidRequest)e).field()).isEqualTo("models"));
    }

    /**
     * An ONNX model run by ONNX Runtime (loaded apart from the main classes): linear3.onnx predicts
     * 0.5 close - 0.25 spread_bps + 0.125 rsi_14 + 0.01 in float32, computed here from the exported rows.
     */
    @Test
    void anOnnxModelPredictsItsGraphOverTheExportedFeatureRows() throws Exception
    {
        try (var in = Files.newInputStream(Path.of("..", "examples", "models", "linear3.onnx")))
        {
            service.models().add(new ModelRegistry.Spec("lin", "onnx", null, "5m", 1, null, null), in, "linear3.onnx");
        }
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("ibkr", SYMBOLS, START, END, 0).withSignals(List.of("spread_bps"))
            .withModels(List.of("lin")));
        assertThat(run.done().get(2, TimeUnit.MINUTES).errorMessage()).isNull();
        final Path csv = dir.resolve("features-5m.csv");
        new PgFeatureExporter(db.dataSource()).export(new PgFeatureExporter.Query("ibkr", SYMBOLS, START, END, "5m",
            List.of("spread_bps", "rsi_14"), new int[] {1}), csv, FileFormat.CSV, n -> { });
        final List<String> lines = Files.readAllLines(csv);
        final List<String> header = List.of(lines.get(0).split(",", -1));
        final Map<String, Double> expected = new TreeMap<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] f = line.split(",", -1);
            final String close = f[header.indexOf("close")];
            final String spread = f[header.indexOf("spread_bps")];
            final String rsi = f[header.indexOf("rsi_14")];
            if (!spread.isEmpty() && !rsi.isEmpty())
            {
                expected.put(f[1] + " " + Instant.parse(f[2]), 0.5 * (float)Double.parseDouble(close) - 0.25 * (float)Double.parseDouble(spread) +
                    0.125 * (float)Double.parseDouble(rsi) + 0.01);
            }
        }
        final Map<String, Double> got = rows("signals", "value", "name = 'pred_lin'", run.runId());
        assertThat(expected).hasSizeGreaterThan(20);
        assertThat(got.keySet()).isEqualTo(expected.keySet().stream().map(k -> k.split(" ")[0] + " " + timestamptz(k.split(" ")[1]))
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new)));
        for (final Map.Entry<String, Double> e : expected.entrySet())
        {
            final String key = e.getKey().split(" ")[0] + " " + timestamptz(e.getKey().split(" ")[1]);
            assertThat(got.get(key)).as(key).isCloseTo(e.getValue(), org.assertj.core.api.Assertions.within(2e-5 * Math.abs(e.getValue())));
        }
    }

    /** An instant as PostgreSQL's text of a timestamptz in this session (UTC): what rows() keys by. */
    private static String timestamptz(final String instant) throws RuntimeException
    {
        try (Connection c = db.connection(); PreparedStatement s = c.prepareStatement("SELECT ?::timestamptz::text"))
        {
            s.setObject(1, OffsetDateTime.ofInstant(Instant.parse(instant), java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getString(1);
            }
        }
        catch (final java.sql.SQLException e)
        {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The spec's online_linear with plain loops (P as the spec writes it, not symmetrised), per symbol over
     * the export's rows in bar order: the prediction of each bar whose features are all present.
     */
    /** The spec's scores after each label, two-pass over the window: ic (NaN for none), hit_rate, mse, count. */
    private static double[] scores(final List<double[]> window)
    {
        final int m = window.size();
        double mp = 0;
        double my = 0;
        double se = 0;
        int signed = 0;
        int hits = 0;
        for (final double[] py : window)
        {
            mp += py[0] / m;
            my += py[1] / m;
            se += (py[0] - py[1]) * (py[0] - py[1]);
            if (py[0] != 0 && py[1] != 0)
            {
                signed++;
                hits += Math.signum(py[0]) == Math.signum(py[1]) ? 1 : 0;
            }
        }
        double cov = 0;
        double vp = 0;
        double vy = 0;
        for (final double[] py : window)
        {
            cov += (py[0] - mp) * (py[1] - my);
            vp += (py[0] - mp) * (py[0] - mp);
            vy += (py[1] - my) * (py[1] - my);
        }
        return new double[] {m < 2 || vp == 0 || vy == 0 ? Double.NaN : cov / Math.sqrt(vp * vy), m < 2 || signed == 0 ? Double.NaN : (double)hits / signed,
            m < 2 ? Double.NaN : se / m, m};
    }

    private static final Map<String, TreeMap<Instant, double[]>> SCORES = new HashMap<>();
    private static final Map<String, TreeMap<Instant, double[]>> WEIGHTS = new HashMap<>();

    private static Map<String, TreeMap<Instant, Double>> plainRls(final List<String> lines)
    {
        final List<String> header = List.of(lines.get(0).split(",", -1));
        final int[] at = FEATURES.stream().mapToInt(header::indexOf).toArray();
        final int close = header.indexOf("close");
        final Map<String, List<String[]>> bySymbol = new TreeMap<>();
        for (final String line : lines.subList(1, lines.size()))
        {
            final String[] f = line.split(",", -1);
            bySymbol.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f);
        }
        final Map<String, TreeMap<Instant, Double>> out = new HashMap<>();
        final int d = FEATURES.size() + 1;
        for (final Map.Entry<String, List<String[]>> e : bySymbol.entrySet())
        {
            final double[] w = new double[d];
            final double[][] p = new double[d][d];
            for (int i = 0; i < d; i++)
            {
                p[i][i] = DELTA;
            }
            final List<double[]> xs = new ArrayList<>();
            final List<Double> closes = new ArrayList<>();
            final List<Boolean> predicted = new ArrayList<>();
            final List<Double> predictionAt = new ArrayList<>();
            final List<double[]> pairs = new ArrayList<>();
            final TreeMap<Instant, Double> preds = new TreeMap<>();
            final TreeMap<Instant, double[]> scored = new TreeMap<>();
            for (final String[] row : e.getValue())
            {
                final int t = xs.size();
                final double c = Double.parseDouble(row[close]);
                if (t >= H && predicted.get(t - H))
                {
                    final double[] x = xs.get(t - H);
                    final double y = Math.log(c / closes.get(t - H));
                    pairs.add(new double[] {predictionAt.get(t - H), y});
                    scored.put(Instant.parse(row[2]), scores(pairs.subList(Math.max(0, pairs.size() - 500), pairs.size())));
                    final double[] px = new double[d];
                    double xpx = 0;
                    double wx = 0;
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = 0; j < d; j++)
                        {
                            px[i] += p[i][j] * x[j];
                        }
                        xpx += x[i] * px[i];
                        wx += w[i] * x[i];
                    }
                    final double[] k = new double[d];
                    for (int i = 0; i < d; i++)
                    {
                        k[i] = px[i] / (LAMBDA + xpx);
                        w[i] += k[i] * (y - wx);
                    }
                    final double[] xp = new double[d];
                    for (int j = 0; j < d; j++)
                    {
                        for (int i = 0; i < d; i++)
                        {
                            xp[j] += x[i] * p[i][j];
                        }
                    }
                    for (int i = 0; i < d; i++)
                    {
                        for (int j = 0; j < d; j++)
                        {
                            p[i][j] = (p[i][j] - k[i] * xp[j]) / LAMBDA;
                        }
                    }
                    WEIGHTS.computeIfAbsent(e.getKey(), key -> new TreeMap<>()).put(Instant.parse(row[2]), w.clone());
                }
                final double[] x = new double[d];
                x[0] = 1;
                boolean complete = true;
                for (int j = 0; j < at.length; j++)
                {
                    complete &= !row[at[j]].isEmpty();
                    x[j + 1] = row[at[j]].isEmpty() ? Double.NaN : Double.parseDouble(row[at[j]]);
                }
                xs.add(x);
                closes.add(c);
                predicted.add(complete);
                double prediction = 0;
                for (int i = 0; i < d; i++)
                {
                    prediction += w[i] * x[i];
                }
                predictionAt.add(prediction);
                if (complete)
                {
                    preds.put(Instant.parse(row[2]), prediction);
                }
            }
            out.put(e.getKey(), preds);
            SCORES.put(e.getKey(), scored);
        }
        return out;
    }
}
