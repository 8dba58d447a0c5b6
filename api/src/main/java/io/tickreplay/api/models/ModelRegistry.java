package io.tickreplay.api.models;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.models.OnnxModelFile;
import io.tickreplay.adapters.postgres.ModelStore;
import io.tickreplay.adapters.postgres.ModelStore.Model;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.models.OnlineLinearModel;
import io.tickreplay.engine.models.Predictor;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalSet;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The model registry (docs/models.md): what {@code tickreplay model add | list | show | remove} and
 * {@code /v1/models} do. A model is refused when it is added, with the field and what differs, if its
 * name is taken or unfit for a signal name ({@code pred_<name>}), its features are not feature-row
 * columns, its interval or horizon are not ones a run can give it, or (ONNX) the file is not an ONNX
 * model or its input does not take those features: one float32 tensor {@code [1 or batch, n]}.
 *
 * <p>ONNX files are kept content-addressed, {@code <dir>/<sha256>.onnx}, written to a temporary file and
 * moved into place, so a half-copied file never has the name of a whole one; a file no model names any
 * more is deleted with the last model that named it. Thread-safe (the table decides a race for a name).
 */
public final class ModelRegistry
{
    public static final String ONNX = "onnx";
    public static final String ONLINE_LINEAR = "online-linear";
    /** The feature row's bar columns (docs/features.md); every signal's name is a column too. */
    public static final List<String> BAR_COLUMNS = SignalChain.FEATURE_BAR_COLUMNS;
    public static final List<String> INTERVALS = List.of("1m", "5m", "1h");
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    static final int MAX_HORIZON = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ModelStore store;
    private final Path dir;
    private final long maxFileBytes;

    public ModelRegistry(final ModelStore store, final Path dir, final long maxFileBytes)
    {
        this.store = store;
        this.dir = dir;
        this.maxFileBytes = maxFileBytes;
    }

    /**
     * What a model is added with. {@code features} may be empty for an ONNX file that names them in its
     * metadata ({@code features}); {@code lambda} and {@code delta} are for online-linear only (null: the
     * defaults 0.999 and 100).
     */
    public record Spec(String name, String type, List<String> features, String interval, Integer horizon, Double lambda, Double delta)
    {
    }

    /** Adds an online-linear model (no file). */
    public Model add(final Spec spec) throws SQLException
    {
        checkCommon(spec);
        if (!ONLINE_LINEAR.equals(type(spec)))
        {
            throw new InvalidRequest("file", "an ONNX model needs its file");
        }
        final List<String> features = checkFeatures(spec.features(), "features");
        final double lambda = spec.lambda() == null ? 0.999 : spec.lambda();
        final double delta = spec.delta() == null ? 100.0 : spec.delta();
        if (!(lambda > 0 && lambda <= 1))
        {
            throw new InvalidRequest("lambda", "lambda (the forgetting factor) must be in (0, 1], was " + lambda);
        }
        if (!(delta > 0 && Double.isFinite(delta)))
        {
            throw new InvalidRequest("delta", "delta (P starts as delta * I) must be finite and > 0, was " + delta);
        }
        final Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("lambda", lambda);
        parameters.put("delta", delta);
        return store.insert(new Model(spec.name(), ONLINE_LINEAR, 1, null, features, spec.interval(), spec.horizon(), json(parameters), null, null,
            null));
    }

    /**
     * Adds an ONNX model read from {@code file} ({@code source} names it in errors: a path, or "the request
     * body"). The bytes are copied under the models directory first; if the model is refused they are gone again.
     */
    public Model add(final Spec spec, final InputStream file, final String source) throws SQLException, IOException
    {
        checkCommon(spec);
        if (!ONNX.equals(type(spec)))
        {
            throw new InvalidRequest("type", "a model with a file is an onnx model; online-linear takes no file");
        }
        if (spec.lambda() != null || spec.delta() != null)
        {
            throw new InvalidRequest(spec.lambda() != null ? "lambda" : "delta", "lambda and delta are parameters of online-linear models only");
        }
        Files.createDirectories(dir);
        final Path temporary = Files.createTempFile(dir, ".add-", ".onnx.tmp");
        try
        {
            final String sha256 = copy(file, temporary, source);
            final OnnxModelFile onnx;
            try
            {
                onnx = OnnxModelFile.read(temporary);
            }
            catch (final IOException e)
            {
                throw new InvalidRequest("file", e.getMessage().replace(temporary.toString(), source));
            }
            final List<String> features = onnxFeatures(spec, onnx, source);
            final Instant trainingStart = instant(onnx.metadata().get("training_start"), "training_start", source);
            final Instant trainingEnd = instant(onnx.metadata().get("training_end"), "training_end", source);
            final Path target = file(sha256);
            try
            {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            }
            catch (final FileAlreadyExistsException | AtomicMoveNotSupportedException present)
            {
                if (!Files.exists(target))
                {
                    throw present;
                }
                // the same bytes are kept already (another model's, or this one's before a remove)
            }
            final Map<String, Object> parameters = new LinkedHashMap<>();
            parameters.put("input", onnx.inputs().get(0).name());
            parameters.put("output", onnx.outputs().get(0).name());
            parameters.put("ir_version", onnx.irVersion());
            try
            {
                return store.insert(new Model(spec.name(), ONNX, onnx.modelVersion() > 0 ? onnx.modelVersion() : 1, sha256, features, spec.interval(),
                    spec.horizon(), json(parameters), trainingStart, trainingEnd, null));
            }
            catch (final SQLException e)
            {
                deleteIfUnused(sha256);
                throw e;
            }
        }
        finally
        {
            Files.deleteIfExists(temporary);
        }
    }

    public List<Model> list() throws SQLException
    {
        return store.list();
    }

    public Optional<Model> find(final String name) throws SQLException
    {
        return store.find(name);
    }

    /** The models of these names, in this order; an unknown one is refused naming it and what exists. */
    public List<Model> resolve(final List<String> names, final String field) throws SQLException
    {
        final List<Model> out = new ArrayList<>();
        final Set<String> seen = new HashSet<>();
        for (final String name : names)
        {
            if (!seen.add(name))
            {
                throw new InvalidRequest(field, "model '" + name + "' named twice");
            }
            final Optional<Model> model = store.find(name);
            if (model.isEmpty())
            {
                throw new InvalidRequest(field, "no model named '" + name + "'" + known());
            }
            out.add(model.get());
        }
        return out;
    }

    /**
     * What a run computes for these models, resolved in this order ({@link #resolve}). An ONNX model's
     * predictors come from ONNX Runtime, loaded when a chain first asks for one.
     */
    public List<ModelSpec> specs(final List<String> names, final String field) throws SQLException
    {
        final List<ModelSpec> out = new ArrayList<>();
        for (final Model m : resolve(names, field))
        {
            out.add(spec(m));
        }
        return out;
    }

    private ModelSpec spec(final Model m)
    {
        final Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", m.type());
        parameters.put("version", m.version());
        if (m.sha256() != null)
        {
            parameters.put("sha256", m.sha256());
        }
        parameters.put("features", m.features());
        parameters.put("interval", m.interval());
        parameters.put("horizon", m.horizon());
        final Map<?, ?> given = read(m.parameters());
        final int n = m.features().size();
        final int h = m.horizon();
        if (ONNX.equals(m.type()))
        {
            final Path model = file(m.sha256());
            return new ModelSpec(m.name(), intervalMicros(m.interval()), h, m.features(), parameters, symbols ->
            {
                try
                {
                    // ONNX Runtime is loaded here, by the first chain of the first run that needs it
                    return OnnxRuntime.factory().open(model, n);
                }
                catch (final IOException e)
                {
                    throw new UncheckedIOException("model " + m.name() + ": " + e.getMessage(), e);
                }
            });
        }
        final double lambda = ((Number)given.get("lambda")).doubleValue();
        final double delta = ((Number)given.get("delta")).doubleValue();
        parameters.put("lambda", lambda);
        parameters.put("delta", delta);
        return new ModelSpec(m.name(), intervalMicros(m.interval()), h, m.features(), parameters,
            symbols -> Predictor.of(new OnlineLinearModel(n, h, lambda, delta, symbols)));
    }

    /** The signal names a chain computes for {@code signals} and these models: the given ones, then each model's signal features not among them. */
    public static List<String> signalsFor(final List<String> signals, final List<ModelSpec> models)
    {
        final List<String> out = new ArrayList<>(signals);
        for (final ModelSpec m : models)
        {
            m.features().stream().filter(f -> SignalSet.REGISTRY.containsKey(f) && !out.contains(f)).forEach(out::add);
        }
        return out;
    }

    static long intervalMicros(final String interval)
    {
        return switch (interval)
        {
            case "1m" -> BarBuilder.ONE_MINUTE;
            case "5m" -> BarBuilder.FIVE_MINUTES;
            case "1h" -> BarBuilder.ONE_HOUR;
            default -> throw new IllegalArgumentException("interval " + interval);
        };
    }

    private static Map<?, ?> read(final String json)
    {
        try
        {
            return JSON.readValue(json, Map.class);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException("models.parameters is not JSON: " + json, e);
        }
    }

    /** Removes a model, and its file when no other model names it; false when there was none. */
    public boolean remove(final String name) throws SQLException, IOException
    {
        final Optional<Model> model = store.find(name);
        if (model.isEmpty() || !store.delete(name))
        {
            return false;
        }
        if (model.get().sha256() != null)
        {
            deleteIfUnused(model.get().sha256());
        }
        return true;
    }

    /** Where an ONNX model's bytes are kept. */
    public Path file(final String sha256)
    {
        return dir.resolve(sha256 + ".onnx");
    }

    private void deleteIfUnused(final String sha256) throws SQLException, IOException
    {
        if (!store.fileInUse(sha256))
        {
            Files.deleteIfExists(file(sha256));
        }
    }

    private String known() throws SQLException
    {
        final List<String> names = store.list().stream().map(Model::name).toList();
        return names.isEmpty() ? " (none is registered: tickreplay model add)" : " (registered: " + String.join(", ", names) + ")";
    }

    private static String type(final Spec spec)
    {
        return spec.type() == null ? null : spec.type().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static void checkCommon(final Spec spec)
    {
        if (spec.name() == null || !NAME.matcher(spec.name()).matches())
        {
            throw new InvalidRequest("name", "a model's name is 1 to 63 lower-case letters, digits or _, starting with a letter (its predictions " +
                "are the signal pred_<name>), was " + (spec.name() == null ? "missing" : "'" + spec.name() + "'"));
        }
        if (!ONNX.equals(type(spec)) && !ONLINE_LINEAR.equals(type(spec)))
        {
            throw new InvalidRequest("type", "type must be onnx or online-linear, was " + spec.type());
        }
        if (spec.interval() == null || !INTERVALS.contains(spec.interval()))
        {
            throw new InvalidRequest("interval", "interval must be one of " + String.join(", ", INTERVALS) + ", was " + spec.interval());
        }
        if (spec.horizon() == null || spec.horizon() < 1 || spec.horizon() > MAX_HORIZON)
        {
            throw new InvalidRequest("horizon", "horizon must be a whole number of bars from 1 to " + MAX_HORIZON + ", was " + spec.horizon());
        }
    }

    /** Feature-row columns, each once, at least one. */
    static List<String> checkFeatures(final List<String> features, final String field)
    {
        if (features == null || features.isEmpty())
        {
            throw new InvalidRequest(field, "features must name at least one feature-row column: " + String.join(", ", columns()));
        }
        final Set<String> seen = new HashSet<>();
        for (final String f : features)
        {
            if (!columns().contains(f))
            {
                throw new InvalidRequest(field, "'" + f + "' is not a feature-row column; they are " + String.join(", ", columns()));
            }
            if (!seen.add(f))
            {
                throw new InvalidRequest(field, "feature '" + f + "' named twice");
            }
        }
        return List.copyOf(features);
    }

    /** The columns a model may read: the bar's, then every signal's. */
    public static List<String> columns()
    {
        final List<String> all = new ArrayList<>(BAR_COLUMNS);
        all.addAll(SignalSet.REGISTRY.keySet());
        return all;
    }

    private static List<String> onnxFeatures(final Spec spec, final OnnxModelFile onnx, final String source)
    {
        final String declared = onnx.metadata().get("features");
        final List<String> fromFile = declared == null ? List.of() : Arrays.stream(declared.split(",")).map(String::trim).toList();
        final boolean given = spec.features() != null && !spec.features().isEmpty();
        if (given && !fromFile.isEmpty() && !fromFile.equals(spec.features()))
        {
            throw new InvalidRequest("features", "features " + String.join(",", spec.features()) + " differ from those " + source + " declares in its " +
                "metadata: " + String.join(",", fromFile) + " (names and order must match)");
        }
        final List<String> features = checkFeatures(given ? spec.features() : fromFile, given || fromFile.isEmpty() ? "features" : "file");
        if (onnx.inputs().size() != 1)
        {
            throw new InvalidRequest("file", source + " has " + onnx.inputs().size() + " inputs (" +
                String.join(", ", onnx.inputs().stream().map(OnnxModelFile.Value::name).toList()) + "); tickreplay feeds one float32 tensor [1, n]");
        }
        final OnnxModelFile.Value input = onnx.inputs().get(0);
        if (input.elemType() != OnnxModelFile.FLOAT)
        {
            throw new InvalidRequest("file", source + ": input '" + input.name() + "' is " + input.typeName() + "; tickreplay feeds float32 " +
                "(cast in the graph, or convert the model with float32 inputs)");
        }
        final long[] dims = input.dims();
        if (dims == null || dims.length != 2 || dims[0] > 1 || dims[0] == 0)
        {
            throw new InvalidRequest("file", source + ": input '" + input.name() + "' has shape " + input.shape() + "; tickreplay feeds [1, " +
                features.size() + "]");
        }
        if (dims[1] != features.size())
        {
            throw new InvalidRequest("features", source + ": input '" + input.name() + "' takes " + (dims[1] < 0 ? "a symbolic number of" : dims[1]) +
                " features (shape " + input.shape() + "), " + features.size() + " are declared: " + String.join(",", features));
        }
        if (onnx.outputs().isEmpty())
        {
            throw new InvalidRequest("file", source + " has no output");
        }
        return features;
    }

    private static Instant instant(final String value, final String key, final String source)
    {
        if (value == null || value.isBlank())
        {
            return null;
        }
        try
        {
            return Instant.parse(value.trim());
        }
        catch (final DateTimeParseException e)
        {
            throw new InvalidRequest("file", source + ": metadata " + key + " is not an ISO-8601 instant: '" + value + "'");
        }
    }

    private String copy(final InputStream in, final Path to, final String source) throws IOException
    {
        final MessageDigest sha;
        try
        {
            sha = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IllegalStateException(e);
        }
        long total = 0;
        try (OutputStream out = new DigestOutputStream(Files.newOutputStream(to), sha))
        {
            final byte[] buffer = new byte[64 * 1024];
            int n;
            while ((n = in.read(buffer)) >= 0)
            {
                total += n;
                if (total > maxFileBytes)
                {
                    throw new InvalidRequest("file", source + " is larger than models.max-file-bytes (" + maxFileBytes + " bytes)");
                }
                out.write(buffer, 0, n);
            }
        }
        if (total == 0)
        {
            throw new InvalidRequest("file", source + " is empty");
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static String json(final Map<String, Object> parameters)
    {
        try
        {
            return JSON.writeValueAsString(parameters);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
    }
}
