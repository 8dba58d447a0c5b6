package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.ModelStore;
import io.tickreplay.adapters.postgres.ModelStore.Model;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.models.ModelJson;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.request.InvalidRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(
    name = "model",
    mixinStandardHelpOptions = true,
    description = "The model registry (docs/models.md): ONNX files and online-linear models whose predictions a run writes as pred_<name>.",
    subcommands = {ModelCommand.Add.class, ModelCommand.ListModels.class, ModelCommand.Show.class, ModelCommand.Remove.class})
public final class ModelCommand implements Runnable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: add, list, show or remove");
    }

    static ModelRegistry registry(final Database db, final Settings settings)
    {
        return new ModelRegistry(new ModelStore(db.dataSource()), Path.of(settings.string("models.dir")), settings.longValue("models.max-file-bytes"));
    }

    /** A refusal of the registry as the flag it came from: {@code --horizon: horizon must be ...}. */
    private static UsageException usage(final InvalidRequest e)
    {
        final String field = e.field();
        return new UsageException((field == null ? "" : field.equals("file") ? "FILE: " : "--" + field.replace('_', '-') + ": ") + e.getMessage());
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Registers a model: an ONNX file (its one float32 input [1, n] takes the features in order), or --type online-linear " +
            "(recursive least squares, learnt during the run). Refused, with what differs, when the file is not ONNX or its input does not take " +
            "the features, or the name is taken.",
            "  tickreplay model add --name lin FILE.onnx --features close,spread_bps,rsi_14 --interval 1m --horizon 5",
            "  tickreplay model add --name rls --type online-linear --features close,rsi_14 --interval 1m --horizon 5 --lambda 0.999 --delta 100"})
    static final class Add implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "Its name; predictions are the signal pred_<NAME>.")
        String name;

        @Option(names = "--type", paramLabel = "TYPE", description = "onnx (default when a FILE is given) or online-linear.")
        String type;

        @Option(names = "--features", split = ",", paramLabel = "COLUMNS",
            description = "Feature-row columns in the model's input order (open, high, low, close, volume, trade_count, vwap, signal names); " +
                "an ONNX file may name them in its metadata property 'features' instead.")
        List<String> features;

        @Option(names = "--interval", required = true, paramLabel = "1m|5m|1h", description = "The bars it predicts at the close of.")
        String interval;

        @Option(names = "--horizon", required = true, paramLabel = "H", description = "How many bars ahead it predicts the log return.")
        Integer horizon;

        @Option(names = "--lambda", paramLabel = "L", description = "online-linear: forgetting factor in (0, 1] (default 0.999).")
        Double lambda;

        @Option(names = "--delta", paramLabel = "D", description = "online-linear: P starts as D * I (default 100).")
        Double delta;

        @Parameters(arity = "0..1", paramLabel = "FILE", description = "The ONNX file.")
        Path file;

        @Override
        public Integer call() throws Exception
        {
            final String kind = type != null ? type : file != null ? ModelRegistry.ONNX : null;
            if (kind == null)
            {
                throw new UsageException("FILE: give an ONNX file, or --type online-linear");
            }
            if (file != null && !Files.isRegularFile(file))
            {
                throw new UsageException("FILE: no such file: " + file);
            }
            final Settings settings = common.settings(Map.of());
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final ModelRegistry registry = registry(db, settings);
                final ModelRegistry.Spec spec = new ModelRegistry.Spec(name, kind, features, interval, horizon, lambda, delta);
                final Model added;
                if (file == null)
                {
                    added = registry.add(spec);
                }
                else
                {
                    try (InputStream in = Files.newInputStream(file))
                    {
                        added = registry.add(spec, in, file.toString());
                    }
                }
                System.out.println("added model " + added.name() + " (" + added.type() + ", version " + added.version() + ", features " +
                    String.join(",", added.features()) + ", " + added.interval() + " bars, horizon " + added.horizon() + ")" +
                    (added.sha256() == null ? "" : "\n  file " + registry.file(added.sha256()) + " (sha256 " + added.sha256() + ")"));
                System.out.println("  use it: tickreplay replay ... --models " + added.name() + "   (its predictions: the signal pred_" + added.name() + ")");
            }
            catch (final InvalidRequest e)
            {
                throw usage(e);
            }
            catch (final ModelStore.DuplicateName e)
            {
                throw new UsageException("--name: " + e.getMessage());
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per model: name, type, version, features, interval, horizon, created.")
    static final class ListModels implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Option(names = "--json", description = "Print {\"models\": [...]} as the API answers GET /v1/models.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = common.settings(Map.of());
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final List<Model> models = registry(db, settings).list();
                if (json)
                {
                    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("models", models.stream().map(ModelJson::of).toList())));
                    return 0;
                }
                final List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"name", "type", "version", "interval", "horizon", "features", "sha256", "created"});
                for (final Model m : models)
                {
                    rows.add(new String[] {m.name(), m.type(), String.valueOf(m.version()), m.interval(), String.valueOf(m.horizon()),
                        String.join(",", m.features()), m.sha256() == null ? "-" : m.sha256().substring(0, 12), Format.instant(m.createdAt())});
                }
                Format.table(rows, Set.of(2, 4));
                if (models.isEmpty())
                {
                    System.out.println("(no models: tickreplay model add)");
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One model as JSON, as GET /v1/models/{name} answers.")
    static final class Show implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = common.settings(Map.of());
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final Model model = registry(db, settings).find(name).orElseThrow(() -> new UsageException("NAME: no model named '" + name +
                    "' (model list shows them)"));
                System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ModelJson.of(model)));
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true,
        description = "Removes a model from the registry, and its file when no other model uses it. The rows runs wrote with it stay.")
    static final class Remove implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = common.settings(Map.of());
            try (Database db = CommonOptions.openDatabase(settings))
            {
                if (!registry(db, settings).remove(name))
                {
                    throw new UsageException("NAME: no model named '" + name + "' (model list shows them); nothing was removed");
                }
                System.out.println("removed model " + name);
            }
            return 0;
        }
    }
}
