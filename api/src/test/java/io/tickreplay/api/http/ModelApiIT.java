package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.http.ApiServices.Reply;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /v1/models} on a live server and a real PostgreSQL: ONNX files (written by
 * examples/models/make_test_models.py) and online-linear models added, listed, read and removed, files
 * kept once by their sha256; every refusal a 400 naming the field and what differs, and nothing kept.
 */
class ModelApiIT
{
    private static final Path EXAMPLES = Path.of("..", "examples", "models");

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;

    @BeforeAll
    static void start() throws Exception
    {
        final Path imports = Files.createDirectories(dir.resolve("imports"));
        for (final String f : List.of("linear3.onnx", "linear3_double.onnx", "linear4.onnx"))
        {
            Files.copy(EXAMPLES.resolve(f), imports.resolve(f));
        }
        Files.writeString(imports.resolve("notes.onnx"), "this is not a model\n");
        services = new ApiServices("modelapi", new SyntheticSession.Context().provider("ibkr").symbols(List.of("NVDA")).ticksPerSecond(0.2).seed(4),
            new ReplayService.Context().journalDir(dir.resolve("journal")).importDir(imports).models(dir.resolve("models"), 1 << 20).ticksRingSize(1 << 12));
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterAll
    static void stop()
    {
        server.close();
        services.close();
    }

    private static Reply post(final String body) throws Exception
    {
        return call("POST", base + "/v1/models", body);
    }

    private static List<String> kept() throws Exception
    {
        if (!Files.isDirectory(dir.resolve("models")))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir.resolve("models")))
        {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anOnnxFileIsKeptOnceByItsHashAndItsMetadataRead() throws Exception
    {
        final String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(EXAMPLES.resolve("linear3.onnx"))));
        final Reply added = post("{\"name\": \"lin_a\", \"file\": \"linear3.onnx\", \"interval\": \"1m\", \"horizon\": 5}");
        assertThat(added.status()).as(added.text()).isEqualTo(201);
        final JsonNode m = added.json();
        assertThat(m.get("type").asText()).isEqualTo("onnx");
        assertThat(m.get("version").asLong()).as("the file's model_version").isEqualTo(3);
        assertThat(m.get("sha256").asText()).isEqualTo(sha);
        assertThat(m.get("features")).extracting(JsonNode::asText).containsExactly("close", "spread_bps", "rsi_14");
        assertThat(m.get("signal").asText()).isEqualTo("pred_lin_a");
        assertThat(m.get("training_start").asText()).isEqualTo("2025-10-01T00:00:00Z");
        assertThat(m.get("training_end").asText()).isEqualTo("2025-11-01T00:00:00Z");
        assertThat(m.get("parameters").get("input").asText()).isEqualTo("features");
        assertThat(Files.readAllBytes(dir.resolve("models").resolve(sha + ".onnx"))).isEqualTo(Files.readAllBytes(EXAMPLES.resolve("linear3.onnx")));

        final Reply same = post("{\"name\": \"lin_b\", \"file\": \"linear3.onnx\", \"features\": [\"close\", \"spread_bps\", \"rsi_14\"], " +
            "\"interval\": \"5m\", \"horizon\": 1}");
        assertThat(same.status()).as(same.text()).isEqualTo(201);
        assertThat(kept()).as("one copy for two names").containsExactly(sha + ".onnx");

        assertThat(call("GET", base + "/v1/models", null).json().get("models")).extracting(n -> n.get("name").asText()).contains("lin_a", "lin_b");
        assertThat(call("GET", base + "/v1/models/lin_b", null).json().get("interval").asText()).isEqualTo("5m");
        assertThat(call("DELETE", base + "/v1/models/lin_a", null).status()).isEqualTo(204);
        assertThat(kept()).as("lin_b still uses the file").containsExactly(sha + ".onnx");
        assertThat(call("DELETE", base + "/v1/models/lin_b", null).status()).isEqualTo(204);
        assertThat(kept()).as("the last name gone, the file goes").isEmpty();
        final Reply gone = call("GET", base + "/v1/models/lin_b", null);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("field").asText()).isEqualTo("name");
    }

    @Test
    void anOnlineLinearModelTakesItsParametersOrTheDefaults() throws Exception
    {
        final Reply added = post("{\"name\": \"rls\", \"type\": \"online-linear\", \"features\": [\"close\", \"rsi_14\", \"bb_zscore_20\"], " +
            "\"interval\": \"1m\", \"horizon\": 5, \"lambda\": 0.99}");
        assertThat(added.status()).as(added.text()).isEqualTo(201);
        assertThat(added.json().get("sha256").isNull()).isTrue();
        assertThat(added.json().get("parameters").get("lambda").asDouble()).isEqualTo(0.99);
        assertThat(added.json().get("parameters").get("delta").asDouble()).isEqualTo(100.0);
        final Reply taken = post("{\"name\": \"rls\", \"type\": \"online-linear\", \"features\": [\"close\"], \"interval\": \"1m\", \"horizon\": 1}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().get("field").asText()).isEqualTo("name");
        assertThat(taken.json().get("error").asText()).contains("exists already");
        assertThat(call("DELETE", base + "/v1/models/rls", null).status()).isEqualTo(204);
    }

    @Test
    void badModelsAreRefusedNamingTheFieldAndWhatDiffersAndNothingIsKept() throws Exception
    {
        refused("{\"name\": \"x\", \"file\": \"notes.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "file", "notes.onnx is not an ONNX model");
        refused("{\"name\": \"x\", \"file\": \"linear4.onnx\", \"features\": [\"close\", \"spread_bps\", \"rsi_14\"], \"interval\": \"1m\", \"horizon\": 5}",
            "features", "takes 4 features");
        refused("{\"name\": \"x\", \"file\": \"linear3_double.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "file", "is double");
        refused("{\"name\": \"x\", \"file\": \"linear3.onnx\", \"features\": [\"close\", \"rsi_14\", \"spread_bps\"], \"interval\": \"1m\", \"horizon\": 5}",
            "features", "differ from those linear3.onnx declares");
        refused("{\"name\": \"x\", \"file\": \"linear4.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "features", "at least one");
        refused("{\"name\": \"x\", \"file\": \"../linear3.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "file", "under replay.import-dir");
        refused("{\"name\": \"x\", \"file\": \"missing.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "file", "no file missing.onnx");
        refused("{\"name\": \"x\", \"file\": \"linear3.onnx\", \"interval\": \"1m\", \"horizon\": 0}", "horizon", "from 1 to");
        refused("{\"name\": \"x\", \"file\": \"linear3.onnx\", \"interval\": \"2m\", \"horizon\": 5}", "interval", "1m, 5m, 1h");
        refused("{\"name\": \"Bad-Name\", \"file\": \"linear3.onnx\", \"interval\": \"1m\", \"horizon\": 5}", "name", "pred_<name>");
        refused("{\"name\": \"x\", \"type\": \"online-linear\", \"interval\": \"1m\", \"horizon\": 5}", "features", "at least one");
        refused("{\"name\": \"x\", \"type\": \"online-linear\", \"features\": [\"close\", \"momentum\"], \"interval\": \"1m\", \"horizon\": 5}",
            "features", "'momentum' is not a feature-row column");
        refused("{\"name\": \"x\", \"type\": \"online-linear\", \"features\": [\"close\"], \"interval\": \"1m\", \"horizon\": 5, \"lambda\": 1.5}",
            "lambda", "(0, 1]");
        refused("{\"name\": \"x\", \"type\": \"online-linear\", \"features\": [\"close\"], \"interval\": \"1m\", \"horizon\": 5, \"delta\": 0}",
            "delta", "> 0");
        refused("{\"name\": \"x\", \"type\": \"forest\", \"features\": [\"close\"], \"interval\": \"1m\", \"horizon\": 5}", "type", "onnx or online-linear");
        refused("{\"name\": \"x\", \"type\": \"online-linear\", \"file\": \"linear3.onnx\", \"features\": [\"close\"], \"interval\": \"1m\", \"horizon\": 5}",
            "type", "takes no file");
        assertThat(call("GET", base + "/v1/models/x", null).status()).isEqualTo(404);
        assertThat(kept()).as("no file of a refused model, no temporary file").doesNotContain(
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(EXAMPLES.resolve("linear4.onnx")))) + ".onnx")
            .noneMatch(f -> f.endsWith(".tmp"));
    }

    @Test
    void theOpenApiDocumentDescribesTheModelRoutes() throws Exception
    {
        final JsonNode paths = call("GET", base + "/openapi.json", null).json().get("paths");
        assertThat(paths.get("/v1/models").has("post")).isTrue();
        assertThat(paths.get("/v1/models").has("get")).isTrue();
        assertThat(paths.get("/v1/models/{name}").has("delete")).isTrue();
    }

    private static void refused(final String body, final String field, final String says) throws Exception
    {
        final Reply r = post(body);
        assertThat(r.status()).as(body + " -> " + r.text()).isEqualTo(400);
        assertThat(r.json().get("field").asText()).as(r.text()).isEqualTo(field);
        assertThat(r.json().get("error").asText()).contains(says);
    }
}
