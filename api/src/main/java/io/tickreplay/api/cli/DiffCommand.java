package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.runs.RunDiff;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    description = "Compares two replay runs (docs/runs.md, \"Manifest and diff\"): the entries of their manifests that differ (data, " +
        "parameters, settings, code version) with both values; whether their stream checksums agree; where their streams first " +
        "diverge (tick index, time, symbol, field, both values), read from their journals; per signal, how many stored rows differ " +
        "and the first that does. Exit code 0 when the runs are equal, 1 when they differ, 2 when they cannot be compared " +
        "(an unknown run, a run with neither a journal nor signal rows).")
public final class DiffCommand implements Callable<Integer>
{
    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "RUN_A", description = "A replay run.")
    long a;

    @Parameters(index = "1", paramLabel = "RUN_B", description = "The replay run to compare it with.")
    long b;

    @Option(names = "--tolerance", paramLabel = "X",
        description = "Signal values within this relative tolerance are equal: |a - b| <= X * max(|a|, |b|) (default 1e-9; 0: exactly).")
    double tolerance = RunDiff.DEFAULT_TOLERANCE;

    @Option(names = "--json", description = "Print the JSON of GET /v1/runs/diff instead of words.")
    boolean json;

    @Override
    public Integer call() throws Exception
    {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance))
        {
            throw new UsageException("--tolerance must be a finite number >= 0, was " + tolerance);
        }
        final Settings settings = common.settings(Map.of());
        final ObjectMapper out = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        try (Database db = CommonOptions.openDatabase(settings))
        {
            final RunDiff.Result result;
            try
            {
                result = new RunDiff(new JobRunStore(db.dataSource()), db.dataSource()).diff(a, b, tolerance);
            }
            catch (final RunDiff.NotComparable e)
            {
                if (json)
                {
                    final Map<String, Object> error = new LinkedHashMap<>();
                    error.put("error", e.getMessage());
                    error.put("field", e.field());
                    System.out.println(out.writeValueAsString(error));
                }
                System.err.println("tickreplay diff: not comparable: " + e.getMessage());
                return 2;
            }
            System.out.print(json ? out.writeValueAsString(result.toJson()) + "\n" : result.toText());
            return result.exitCode();
        }
    }
}
