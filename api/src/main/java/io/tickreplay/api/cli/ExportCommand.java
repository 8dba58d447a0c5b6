package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.ModelWeightsExport;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.export.ExportRequest;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.models.ModelRegistry;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Exports ticks (tick_data), bars (bars_ohlcv), signals, or an ML feature set (features: one row per symbol and bar " +
        "computed from the ticks, with the bar's OHLCV, each signal at the bar's close and forward log returns as labels; docs/features.md) " +
        "of a provider's symbols in [start, end) to a file: .csv, .csv.gz " +
        "or .parquet, from the output's name unless --format says. Streamed in constant memory, written under a temporary name and " +
        "renamed when complete (a failure leaves no file), tracked in job_runs as tick_export. Prints the job as JSON; exit 0 when " +
        "it completed, 1 when it failed.")
public final class ExportCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "ticks|bars|signals|features|model-weights", description = "What to export.")
    String dataset;

    @Parameters(index = "1", arity = "0..1", paramLabel = "RUN_ID", description = "model-weights only: the replay run whose models' weights to write.")
    Long runId;

    @Option(names = "--model", paramLabel = "NAME", description = "model-weights only: the model (default: the run's only model that learns).")
    String model;

    @Option(names = "--models", split = ",", paramLabel = "NAMES",
        description = "features only: models of the registry whose predictions become columns pred_<name> (docs/models.md).")
    List<String> models;

    @Mixin
    WindowOptions window;

    @Option(names = "--interval", paramLabel = "1m|5m|1h", description = "Bars of this interval (bars and features only; default 1m).")
    String interval;

    @Option(names = "--signals", split = ",", paramLabel = "NAMES|all|none",
        description = "features only: the signal columns (default all: vwap_deviation_bps, spread_bps, tick_rate_zscore, book_imbalance, rsi_14, " +
            "bb_zscore_20, volume_profile).")
    List<String> signals;

    @Option(names = "--horizons", split = ",", paramLabel = "1,5,15",
        description = "features only: the labels, forward log returns over these numbers of bars (default 1,5,15).")
    List<Integer> horizons;

    @Option(names = "--run", paramLabel = "latest|live|ID",
        description = "bars and signals only: whose rows (docs/runs.md): the newest replay run with rows in the window (latest, the default), " +
            "the live pipeline's (live), or replay run ID's.")
    String run;

    @Option(names = "--output", paramLabel = "PATH", description = "The file to write: .csv, .csv.gz or .parquet.")
    String output;

    @Option(names = "--format", paramLabel = "csv|csv.gz|parquet", description = "The format, whatever the output's name says.")
    String format;

    @Option(names = "--since-last", description = "Only rows newer than the last completed export of the same dataset, provider, symbols (and interval).")
    boolean sinceLast;

    @Option(names = "--overwrite", description = "Replace --output if it exists (only once the new file is complete); without it an existing file is refused.")
    boolean overwrite;

    @Override
    public Integer call() throws Exception
    {
        final Settings settings = common.settings(Map.of());
        if ("model-weights".equals(dataset))
        {
            return modelWeights(settings);
        }
        if (runId != null || model != null)
        {
            throw new UsageException("RUN_ID and --model go with model-weights; " + dataset + " takes --run");
        }
        final ExportRequest request = new ExportRequest(dataset, window.provider, window.symbols, window.start(), window.end(), interval, output,
            format, sinceLast, signals, horizons, run).withModels(models);
        try
        {
            request.validate();
        }
        catch (final ReplayRequest.InvalidField e)
        {
            throw new UsageException((e.field().equals("dataset") ? "" : "--" + e.field().replace('_', '-') + ": ") + e.getMessage());
        }
        if (output != null)
        {
            // the command line writes where it is told (the API only under api.export-dir), but not over a file by surprise
            final Path target = Path.of(output);
            if (Files.isDirectory(target))
            {
                throw new UsageException("--output: " + output + " is a directory: name the file to write in it");
            }
            if (Files.exists(target) && !overwrite)
            {
                throw new UsageException("--output: " + output + " exists; add --overwrite to replace it (it is replaced only once the new file is complete)");
            }
        }
        try (Database db = CommonOptions.openDatabase(settings);
             ExportService exports = new ExportService(db, 1).models(ModelCommand.registry(db, settings)))
        {
            final JobRunStore.JobRun job = exports.run(request);
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(JobJson.of(job)));
            if (!job.status().equals("completed"))
            {
                System.err.println("tickreplay export: job " + job.id() + " failed: " + job.errorMessage());
                return 1;
            }
            System.err.printf("tickreplay export: job %d completed: %s rows to %s in %s s (%s rows/s)%n", job.id(), Format.count(job.rowsWritten()),
                job.metadata().get("output"), job.metadata().get("elapsed_seconds"), Format.count(((Number)job.metadata().get("rows_per_second")).longValue()));
            return 0;
        }
    }

    /** {@code export model-weights RUN_ID --output FILE.csv}: each symbol's weights after each update (docs/models.md). */
    private int modelWeights(final Settings settings) throws Exception
    {
        if (runId == null)
        {
            throw new UsageException("RUN_ID: model-weights needs the run whose weights to write (tickreplay runs list)");
        }
        if (output == null || !output.endsWith(".csv"))
        {
            throw new UsageException("--output: model-weights writes a .csv file: name it");
        }
        if (Files.exists(Path.of(output)) && !overwrite)
        {
            throw new UsageException("--output: " + output + " exists; add --overwrite to replace it (it is replaced only once the new file is complete)");
        }
        try (Database db = CommonOptions.openDatabase(settings))
        {
            final JobRunStore.JobRun job = new JobRunStore(db.dataSource()).find(runId)
                .orElseThrow(() -> new UsageException("RUN_ID: no run " + runId + " (tickreplay runs list)"));
            @SuppressWarnings("unchecked")
            final List<String> models = (List<String>)job.metadata().getOrDefault("models", List.of());
            final ModelRegistry registry = ModelCommand.registry(db, settings);
            final List<String> learning = new ArrayList<>();
            for (final String name : models)
            {
                if (registry.find(name).map(m -> m.type().equals(ModelRegistry.ONLINE_LINEAR)).orElse(false))
                {
                    learning.add(name);
                }
            }
            final String chosen = model != null ? model : learning.size() == 1 ? learning.get(0) : null;
            if (chosen == null || !learning.contains(chosen))
            {
                throw new UsageException("--model: run " + runId + (learning.isEmpty() ? " ran no model that learns (online-linear)" :
                    " ran " + String.join(", ", learning) + " that learn" + (model == null ? ": name one" : ", not " + model)));
            }
            final List<String> features = registry.find(chosen).orElseThrow().features();
            final long rows = ModelWeightsExport.write(db.dataSource(), runId, chosen, features, Path.of(output));
            System.err.printf("tickreplay export: %s rows of %s's weights in run %d to %s%n", Format.count(rows), chosen, runId, output);
            return 0;
        }
    }
}
