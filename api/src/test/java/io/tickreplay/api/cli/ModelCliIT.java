package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

import static io.tickreplay.api.cli.CliIT.run;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tickreplay model add|list|show|remove} and {@code replay --models} as a user runs them,
 * in-process, against a real PostgreSQL: what each prints, its exit code, and the refusals (exit 2,
 * the flag named).
 */
class ModelCliIT
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path EXAMPLES = Path.of("..", "examples", "models");
    private static final Instant OPEN = Instant.parse("2025-11-03T14:30:00Z");

    @TempDir
    Path dir;

    private Database db;
    private String url;

    @BeforeEach
    void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("model_cli", 8);
        url = db.url();
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(1).seed(3)
            .hours(LocalTime.of(9, 30), LocalTime.of(10, 30));
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterEach
    void stop()
    {
        db.close();
    }

    private CliIT.Run model(final String... args)
    {
        final List<String> all = new ArrayList<>(List.of("model"));
        all.addAll(List.of(args));
        all.addAll(List.of("--db-url", url));
        return run(all.toArray(String[]::new));
    }

    @Test
    void modelsAreAddedListedShownUsedByAReplayAndRemoved() throws Exception
    {
        final CliIT.Run onnx = run("model", "add", "--name", "lin", EXAMPLES.resolve("linear3.onnx").toString(), "--interval", "5m", "--horizon", "2",
            "--db-url", url, "--config", config().toString());
        assertThat(onnx.exit()).as(onnx.err()).isZero();
        assertThat(onnx.out()).contains("added model lin (onnx, version 3, features close,spread_bps,rsi_14, 5m bars, horizon 2)").contains("pred_lin");
        final CliIT.Run rls = run("model", "add", "--name", "rls", "--type", "online-linear", "--features", "close,spread_bps", "--interval", "1m",
            "--horizon", "3", "--lambda", "0.995", "--db-url", url, "--config", config().toString());
        assertThat(rls.exit()).as(rls.err()).isZero();

        final CliIT.Run list = model("list", "--config", config().toString());
        assertThat(list.exit()).isZero();
        assertThat(list.out().lines().toList()).hasSize(3);
        assertThat(list.out()).containsPattern("lin\\s+onnx\\s+3\\s+5m\\s+2\\s+close,spread_bps,rsi_14").containsPattern("rls\\s+online-linear");
        final JsonNode shown = JSON.readTree(model("show", "rls", "--config", config().toString()).out());
        assertThat(shown.get("parameters").get("lambda").asDouble()).isEqualTo(0.995);
        assertThat(Files.list(dir.resolve("models")).toList()).hasSize(1);

        final CliIT.Run replay = run("replay", "--quiet", "--db-url", url, "--config", config().toString(), "--provider", "ibkr", "--symbols", "NVDA,AAPL",
            "--start", OPEN.toString(), "--end", OPEN.plusSeconds(1800).toString(), "--speed", "0", "--signals", "spread_bps", "--models", "rls");
        assertThat(replay.exit()).as(replay.err()).isZero();
        final long runId = JSON.readTree(replay.out()).get("run_id").asLong();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM signals WHERE name = 'pred_rls' AND run_id = " + runId))
        {
            rs.next();
            assertThat(rs.getLong(1)).as("a prediction per symbol and minute, but for bars without a spread").isGreaterThan(40);
        }

        final Path features = dir.resolve("features.csv");
        final CliIT.Run export = run("export", "features", "--provider", "ibkr", "--symbols", "NVDA,AAPL", "--start", OPEN.toString(), "--end",
            OPEN.plusSeconds(1800).toString(), "--interval", "1m", "--horizons", "1", "--signals", "spread_bps", "--models", "rls", "--output", features.toString(),
            "--db-url", url, "--config", config().toString());
        assertThat(export.exit()).as(export.err()).isZero();
        final List<String> rows = Files.readAllLines(features);
        assertThat(rows.get(0)).contains(",spread_bps,pred_rls,fwd_log_return_1");
        assertThat(rows.stream().skip(1).filter(r -> !r.split(",", -1)[11].isEmpty()).count()).as("rows with a prediction").isGreaterThan(40);
        final CliIT.Run ticks = run("export", "ticks", "--provider", "ibkr", "--symbols", "NVDA", "--start", OPEN.toString(), "--end",
            OPEN.plusSeconds(60).toString(), "--models", "rls", "--output", dir.resolve("t.csv").toString(), "--db-url", url, "--config", config().toString());
        assertThat(ticks.exit()).isEqualTo(2);
        assertThat(ticks.err()).contains("--models: models apply to features only");

        final Path weights = dir.resolve("weights.csv");
        final CliIT.Run exportWeights = run("export", "model-weights", String.valueOf(runId), "--output", weights.toString(), "--db-url", url,
            "--config", config().toString());
        assertThat(exportWeights.exit()).as(exportWeights.err()).isZero();
        final List<String> lines = Files.readAllLines(weights);
        assertThat(lines.get(0)).isEqualTo("model,provider,symbol,ts,intercept,w_close,w_spread_bps");
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM model_weights WHERE model = 'rls' AND run_id = " + runId))
        {
            rs.next();
            assertThat(lines).hasSize((int)rs.getLong(1) + 1).hasSizeGreaterThan(20);
        }
        assertThat(lines.get(1)).startsWith("rls,ibkr,AAPL,");
        final CliIT.Run noRun = run("export", "model-weights", "--output", dir.resolve("w2.csv").toString(), "--db-url", url, "--config", config().toString());
        assertThat(noRun.exit()).isEqualTo(2);
        assertThat(noRun.err()).contains("RUN_ID: model-weights needs the run");

        final CliIT.Run unknown = run("replay", "--quiet", "--db-url", url, "--config", config().toString(), "--provider", "ibkr", "--symbols", "NVDA",
            "--start", OPEN.toString(), "--end", OPEN.plusSeconds(600).toString(), "--speed", "0", "--models", "nope");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("--models").contains("no model named 'nope'");

        assertThat(model("remove", "lin", "--config", config().toString()).exit()).isZero();
        assertThat(Files.list(dir.resolve("models")).toList()).as("its file went with it").isEmpty();
        final CliIT.Run again = model("remove", "lin", "--config", config().toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("no model named 'lin'");
    }

    @Test
    void liveWithAModelWritesThePredictionsAndScoresAReplayOfTheSameSessionWrites() throws Exception
    {
        assertThat(run("model", "add", "--name", "rls", "--type", "online-linear", "--features", "close,spread_bps,vwap_deviation_bps", "--interval", "1m",
            "--horizon", "3", "--db-url", url, "--config", config().toString()).exit()).isZero();
        final String start = OPEN.toString();
        final String end = OPEN.plusSeconds(3600).toString();
        final CliIT.Run live = run("live", "--db-url", url, "--config", config().toString(), "--from-store", "--provider", "ibkr", "--symbols", "NVDA,AAPL",
            "--signals", "spread_bps", "--models", "rls", "--start", start, "--end", end);
        assertThat(live.exit()).as(live.err()).isZero();
        final CliIT.Run replay = run("replay", "--quiet", "--db-url", url, "--config", config().toString(), "--provider", "ibkr", "--symbols", "NVDA,AAPL",
            "--start", start, "--end", end, "--speed", "0", "--signals", "spread_bps", "--models", "rls", "--no-journal");
        assertThat(replay.exit()).as(replay.err()).isZero();
        final long runId = JSON.readTree(replay.out()).get("run_id").asLong();
        assertThat(count("SELECT count(*) FROM signals WHERE name = 'pred_rls' AND run_id = 0")).as("live predictions").isGreaterThan(60)
            .isEqualTo(count("SELECT count(*) FROM signals WHERE name = 'pred_rls' AND run_id = " + runId));
        assertThat(count("SELECT count(*) FROM (SELECT * FROM signals WHERE name = 'pred_rls' AND run_id = 0) l FULL JOIN " +
            "(SELECT * FROM signals WHERE name = 'pred_rls' AND run_id = " + runId + ") r USING (symbol, ts) WHERE l.value IS NULL OR r.value IS NULL " +
            "OR abs(l.value - r.value) > 1e-12 * greatest(abs(l.value), abs(r.value), 1)")).as("row for row").isZero();
        assertThat(count("SELECT count(*) FROM model_scores WHERE model = 'rls' AND run_id = 0")).isPositive()
            .isEqualTo(count("SELECT count(*) FROM model_scores WHERE model = 'rls' AND run_id = " + runId));

        final CliIT.Run onBus = run("live", "--db-url", url, "--config", config().toString(), "--bus", "redis", "--bus-url", "redis://127.0.0.1:1",
            "--models", "rls");
        assertThat(onBus.exit()).isEqualTo(2);
        assertThat(onBus.err()).contains("--models: models run in the signal consumer of the in-process bus");
    }

    private long count(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void badModelsAreRefusedNamingTheFlag() throws Exception
    {
        final Path text = Files.writeString(dir.resolve("notes.onnx"), "not a model");
        final CliIT.Run notOnnx = run("model", "add", "--name", "x", text.toString(), "--interval", "1m", "--horizon", "1", "--db-url", url,
            "--config", config().toString());
        assertThat(notOnnx.exit()).isEqualTo(2);
        assertThat(notOnnx.err()).contains("FILE: ").contains("is not an ONNX model");
        final CliIT.Run horizon = run("model", "add", "--name", "x", "--type", "online-linear", "--features", "close", "--interval", "1m",
            "--horizon", "0", "--db-url", url, "--config", config().toString());
        assertThat(horizon.exit()).isEqualTo(2);
        assertThat(horizon.err()).contains("--horizon: horizon must be");
        final CliIT.Run missing = run("model", "add", "--name", "x", "--type", "online-linear", "--interval", "1m", "--horizon", "1", "--db-url", url,
            "--config", config().toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--features: features must name at least one");
        assertThat(run("model", "add", "--name", "x", "--type", "online-linear", "--features", "close", "--interval", "1m", "--horizon", "1",
            "--db-url", url, "--config", config().toString()).exit()).isZero();
        final CliIT.Run taken = run("model", "add", "--name", "x", "--type", "online-linear", "--features", "close", "--interval", "1m", "--horizon", "1",
            "--db-url", url, "--config", config().toString());
        assertThat(taken.exit()).isEqualTo(2);
        assertThat(taken.err()).contains("--name: a model named 'x' exists already");
    }

    /** A configuration with this test's models and journal directories. */
    private Path config() throws Exception
    {
        final Path file = dir.resolve("models.conf");
        if (!Files.exists(file))
        {
            Files.writeString(file, "models.dir = \"" + dir.resolve("models") + "\"\nreplay.journal-dir = \"" + dir.resolve("journal") + "\"\n");
        }
        return file;
    }
}
