package io.tickreplay.api.export;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.postgres.PgExporter;
import io.tickreplay.api.replay.ReplayRequest.InvalidField;
import io.tickreplay.api.replay.ReplayRequest;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * An export: the seed's {@code tick_export ticks|bars|signals --provider --symbols --start --end
 * [--interval] --output}, the format from the output's name unless {@code format} says, and
 * {@code sinceLast}: only rows newer than the last completed export of the same query (dataset,
 * provider, symbols, interval). {@code features} is an ML feature set (docs/features.md) computed from
 * the ticks, with bars of {@code interval}, the {@code signals} as columns and forward log returns
 * over {@code horizons} bars as labels; {@code signals} and {@code horizons} are for it alone.
 */
public record ExportRequest(String dataset, String provider, List<String> symbols, Instant start, Instant end, String interval, String output,
    String format, boolean sinceLast, List<String> signals, List<Integer> horizons, String run, List<String> models)
{
    /** Without models. */
    public ExportRequest(final String dataset, final String provider, final List<String> symbols, final Instant start, final Instant end,
        final String interval, final String output, final String format, final boolean sinceLast, final List<String> signals,
        final List<Integer> horizons, final String run)
    {
        this(dataset, provider, symbols, start, end, interval, output, format, sinceLast, signals, horizons, run, null);
    }

    /** The same request with models whose predictions a feature set carries as columns ({@code pred_<name>}); null or empty for none. */
    public ExportRequest withModels(final List<String> names)
    {
        return new ExportRequest(dataset, provider, symbols, start, end, interval, output, format, sinceLast, signals, horizons, run,
            names == null || names.isEmpty() ? null : List.copyOf(names));
    }

    public static final Set<String> INTERVALS = Set.of("1m", "5m", "1h");

    /** {@link #run} values besides a run id. */
    public static final String LATEST = "latest";
    public static final String LIVE = "live";

    /** The dataset name of a feature set. */
    public static final String FEATURES = "features";

    /** A feature set's signals when none are named. */
    public static final List<String> DEFAULT_SIGNALS = List.of("all");

    /** A feature set's horizons, in bars, when none are named. */
    public static final List<Integer> DEFAULT_HORIZONS = List.of(1, 5, 15);

    /** A table export (ticks, bars, signals): no signals, no horizons. */
    public ExportRequest(final String dataset, final String provider, final List<String> symbols, final Instant start, final Instant end,
        final String interval, final String output, final String format, final boolean sinceLast)
    {
        this(dataset, provider, symbols, start, end, interval, output, format, sinceLast, null, null, null);
    }

    /** Any export but of one run's bars or signals: the newest run's ({@link #run}). */
    public ExportRequest(final String dataset, final String provider, final List<String> symbols, final Instant start, final Instant end,
        final String interval, final String output, final String format, final boolean sinceLast, final List<String> signals,
        final List<Integer> horizons)
    {
        this(dataset, provider, symbols, start, end, interval, output, format, sinceLast, signals, horizons, null);
    }

    /**
     * Checks every field; throws {@link InvalidField} naming the first bad one. Returns the request
     * with the seed's cockpit dataset names ({@code bars_1m}, {@code bars_5m}, {@code bars_1h}) read as
     * bars of that interval.
     */
    public ExportRequest validate()
    {
        if (dataset != null && dataset.matches("bars_(1m|5m|1h)"))
        {
            final String aliasInterval = dataset.substring(5);
            if (interval != null && !interval.equals(aliasInterval))
            {
                throw new InvalidField("interval", "dataset " + dataset + " is bars of " + aliasInterval + ", but interval says " + interval);
            }
            return new ExportRequest("bars", provider, symbols, start, end, aliasInterval, output, format, sinceLast, signals, horizons, run, models)
                .validate();
        }
        if (dataset == null)
        {
            throw new InvalidField("dataset", "dataset is required: ticks, bars (or bars_1m, bars_5m, bars_1h), signals or features");
        }
        if (!isFeatures())
        {
            try
            {
                PgExporter.Dataset.of(dataset);
            }
            catch (final IllegalArgumentException e)
            {
                throw new InvalidField("dataset", "dataset must be ticks, bars, signals or features, was '" + dataset + "'");
            }
        }
        ReplayRequest.checkWindow(provider, symbols, start, end);
        if (interval != null && !INTERVALS.contains(interval))
        {
            throw new InvalidField("interval", "interval must be 1m, 5m or 1h, was '" + interval + "'");
        }
        if (interval != null && !dataset.equals("bars") && !isFeatures())
        {
            throw new InvalidField("interval", "interval applies to bars and features only");
        }
        if (isFeatures())
        {
            FeatureChoice.check(this);
        }
        else if (models != null)
        {
            throw new InvalidField("models", "models apply to features only: their predictions become columns of the feature set");
        }
        else if (signals != null || horizons != null)
        {
            throw new InvalidField(signals != null ? "signals" : "horizons", (signals != null ? "signals" : "horizons") + " apply to features only");
        }
        if (run != null)
        {
            if (!dataset.equals("bars") && !dataset.equals("signals"))
            {
                throw new InvalidField("run", "run applies to bars and signals only (ticks and features have no run)");
            }
            if (!run.equals(LATEST) && !run.equals(LIVE) && !run.matches("[1-9][0-9]{0,17}"))
            {
                throw new InvalidField("run", "run must be latest, live or a replay run id, was '" + run + "'");
            }
        }
        if (output == null || output.isBlank())
        {
            throw new InvalidField("output", "output is required: a file ending in " + FileFormat.EXTENSIONS);
        }
        final Path path;
        try
        {
            path = Path.of(output);
        }
        catch (final InvalidPathException e)
        {
            throw new InvalidField("output", "output is not a valid path: " + e.getMessage());
        }
        try
        {
            FileFormat.of(path.getFileName().toString(), format);
        }
        catch (final IllegalArgumentException e)
        {
            throw new InvalidField(format != null ? "format" : "output", e.getMessage());
        }
        return this;
    }

    /**
     * Whose bars or signals (docs/runs.md): a replay run's id, {@code live} (the live pipeline's, run 0),
     * or {@code latest} (the default): the newest run with rows in the window, else live.
     */
    public String runChoice()
    {
        return run == null ? LATEST : run;
    }

    /** True for an ML feature set, false for a table's rows. */
    public boolean isFeatures()
    {
        return FEATURES.equals(dataset);
    }

    /** A feature set's signals, {@link #DEFAULT_SIGNALS} when not named. */
    public List<String> featureSignals()
    {
        return signals == null ? DEFAULT_SIGNALS : signals;
    }

    /** A feature set's horizons in bars, {@link #DEFAULT_HORIZONS} when not named. */
    public int[] featureHorizons()
    {
        return (horizons == null ? DEFAULT_HORIZONS : horizons).stream().mapToInt(Integer::intValue).toArray();
    }

    public PgExporter.Dataset datasetKind()
    {
        return PgExporter.Dataset.of(dataset);
    }

    /** Bars of {@code interval}, 1m when not given. */
    public String barInterval()
    {
        return interval == null ? "1m" : interval;
    }

    /** What "the same query" means for {@code since_last}: dataset, provider, sorted symbols, interval, and a run named by id or live. */
    public String queryKey()
    {
        return dataset + "|" + provider + "|" + String.join(",", symbols.stream().sorted().toList()) + (dataset.equals("bars") || isFeatures() ? "|" + barInterval() : "") +
            (run == null || run.equals(LATEST) ? "" : "|run=" + run);
    }
}
