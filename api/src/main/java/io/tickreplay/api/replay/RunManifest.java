package io.tickreplay.api.replay;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.replay.SymbolDigests;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.BarStage;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.tick.Micros;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What a run's output is a function of, and nothing else (docs/runs.md, "Manifest and diff"): the code
 * version, the window and its warm-up, the sources, each symbol's count and checksum of the ticks read
 * (once the run has ended), the signals with their parameters, and the settings that change rows
 * (sink kind, {@code signals.metadata} where rows go to the table, bar intervals). No timings, no host,
 * no run id, and nothing that only changes speed (speed, max_gap, threads, shards, ring and pool sizes):
 * two runs with equal manifests emit equal streams and write equal rows.
 *
 * <p>Kept in the job's metadata ({@code manifest}) and, when the run journals, beside its journal
 * ({@value #FILE}); written when the run opens ({@code status} {@code running}, no {@code data}) and again
 * when it ends. Immutable; built on the thread that opens the run and the one that completes it.
 */
public final class RunManifest
{
    public static final String FILE = "run-manifest.json";
    public static final String FORMAT = "tickreplay-run-manifest";
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    private final Map<String, Object> body;

    private RunManifest(final Map<String, Object> body)
    {
        this.body = Collections.unmodifiableMap(body);
    }

    /** The manifest of a run about to start: everything but the outcome and the data read. */
    static RunManifest planned(final ReplayPlan plan, final SignalMetadata.Mode metadata, final CodeVersion code)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("status", "running");
        m.put("code", code.describe());
        final Map<String, Object> window = new LinkedHashMap<>();
        window.put("start", plan.start().toString());
        window.put("end", plan.end().toString());
        window.put("warmup_from", plan.warmFromMicros() >= Micros.of(plan.start()) ? null
            : plan.warmFromMicros() == Long.MIN_VALUE ? "the files' first tick" : Micros.toInstant(plan.warmFromMicros()).toString());
        m.put("window", window);
        m.put("sources", sources(plan));
        final List<Map<String, Object>> signals = new ArrayList<>();
        for (final SignalCalculator c : plan.signals().isEmpty() ? List.<SignalCalculator>of() : SignalSet.of(plan.signals(), 1).calculators())
        {
            final Map<String, Object> signal = new LinkedHashMap<>();
            signal.put("name", c.name());
            signal.put("parameters", new TreeMap<>(c.parameters()));
            signals.add(signal);
        }
        m.put("signals", signals);
        if (!plan.models().isEmpty())
        {
            // each model's name, type, version, sha256 and what changes its predictions: equal entries, equal pred_ rows
            final List<Map<String, Object>> models = new ArrayList<>();
            for (final ModelSpec spec : plan.models())
            {
                final Map<String, Object> model = new LinkedHashMap<>();
                model.put("name", spec.name());
                model.put("parameters", new TreeMap<>(spec.parameters()));
                models.add(model);
            }
            m.put("models", models);
        }
        final Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("sink", sinkKind(plan));
        // only the table's rows carry the explaining numbers (the files write their own metadata)
        settings.put("signals_metadata", plan.toTable() ? metadata.name().toLowerCase(Locale.ROOT) : null);
        settings.put("bar_intervals", plan.toTable() ? BarStage.INTERVALS.stream().map(BarBuilder::intervalName).toList() : List.of());
        m.put("settings", settings);
        m.put("data", null);
        return new RunManifest(m);
    }

    /** A manifest as stored (the job's metadata, the file), its keys in the order it is written in (JSONB keeps none). */
    @SuppressWarnings("unchecked")
    public static RunManifest of(final Map<String, Object> stored)
    {
        return new RunManifest((Map<String, Object>)ordered(stored));
    }

    /** Maps with their keys in {@link #ORDER} (then the rest by name), at every depth, but a signal's parameters: by name. */
    private static Object ordered(final Object value)
    {
        if (value instanceof List<?> l)
        {
            return l.stream().map(RunManifest::ordered).toList();
        }
        if (!(value instanceof Map<?, ?> m))
        {
            return value;
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final String key : ORDER)
        {
            if (m.containsKey(key))
            {
                out.put(key, key.equals("parameters") ? new TreeMap<>((Map<String, Object>)m.get(key)) : ordered(m.get(key)));
            }
        }
        new TreeMap<>((Map<String, Object>)m).forEach((k, v) -> out.putIfAbsent(k, ordered(v)));
        return out;
    }

    private static final List<String> ORDER = List.of("format", "version", "status", "code", "window", "sources", "signals", "settings", "data",
        "data_note", "commit", "dirty", "start", "end", "warmup_from", "kind", "name", "parameters", "sink", "signals_metadata", "bar_intervals",
        "provider", "symbol", "symbols", "parquet", "files", "ticks", "checksum", "warmup_ticks", "warmup_checksum");

    /** The same manifest, of a run that has not ended (again: a resumed run). */
    RunManifest running()
    {
        final Map<String, Object> m = new LinkedHashMap<>(body);
        m.put("status", "running");
        m.put("data", null);
        m.remove("data_note");
        return new RunManifest(m);
    }

    /**
     * The manifest of the run once it has ended: its status ({@code completed}, or how it did not complete)
     * and each symbol's count and checksum of the ticks it emitted and read for warm-up.
     *
     * @param digests  null when they are not known (a resumed run without a journal): {@code note} says why
     */
    RunManifest ended(final String status, final SymbolTable symbols, final String provider, final SymbolDigests digests, final String note)
    {
        final Map<String, Object> m = new LinkedHashMap<>(body);
        m.put("status", status);
        final List<Map<String, Object>> data = new ArrayList<>();
        for (int i = 0; i < symbols.size(); i++)
        {
            final Map<String, Object> d = new LinkedHashMap<>();
            d.put("provider", symbols.provider(i, provider));
            d.put("symbol", symbols.name(i));
            d.put("ticks", digests == null ? null : digests.ticks(i));
            d.put("checksum", digests == null ? null : digests.checksum(i));
            d.put("warmup_ticks", digests == null ? null : digests.warmupTicks(i));
            d.put("warmup_checksum", digests == null ? null : digests.warmupChecksum(i));
            data.add(d);
        }
        m.put("data", data);
        if (note != null)
        {
            m.put("data_note", note);
        }
        return new RunManifest(m);
    }

    public Map<String, Object> toMap()
    {
        return body;
    }

    public String status()
    {
        return (String)body.get("status");
    }

    /** Writes {@value #FILE} into {@code directory}, through a temporary file renamed into place. */
    public void write(final Path directory) throws IOException
    {
        Files.createDirectories(directory);
        final Path tmp = directory.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), body);
        Files.move(tmp, directory.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The manifest beside a journal; empty when there is none. */
    public static Optional<RunManifest> read(final Path directory) throws IOException
    {
        final Path file = directory.resolve(FILE);
        return Files.isRegularFile(file) ? Optional.of(of(JSON.readValue(file.toFile(), MAP))) : Optional.empty();
    }

    private static List<Map<String, Object>> sources(final ReplayPlan plan)
    {
        final List<Map<String, Object>> out = new ArrayList<>();
        if (plan.fromJournal() != null)
        {
            final Map<String, Object> s = new LinkedHashMap<>();
            s.put("kind", "journal");
            s.put("run_id", plan.fromJournal());
            s.put("provider", plan.provider());
            s.put("symbols", plan.symbols().names());
            out.add(s);
        }
        else if (plan.sources() == null)
        {
            final Map<String, Object> s = new LinkedHashMap<>();
            s.put("kind", "database");
            s.put("provider", plan.provider());
            s.put("symbols", plan.symbols().names());
            out.add(s);
        }
        else
        {
            for (final PlannedSource p : plan.sources())
            {
                final Map<String, Object> s = new LinkedHashMap<>();
                s.put("kind", p.spec().isParquet() ? "parquet" : "database");
                s.putAll(p.spec().describe());
                s.put("symbols", p.symbols());
                if (p.spec().isParquet())
                {
                    // the names, not where they are: the data's counts and checksums say what they held
                    s.put("files", p.files().stream().map(f -> f.getFileName().toString()).toList());
                }
                out.add(s);
            }
        }
        return out;
    }

    private static String sinkKind(final ReplayPlan plan)
    {
        if (plan.signals().isEmpty() || plan.sink().equals("none"))
        {
            return "none";
        }
        if (plan.sink().equals("postgres"))
        {
            return "postgres";
        }
        final FileFormat format = FileFormat.fromFileName(Path.of(plan.sink()).getFileName().toString());
        return format == null ? plan.sink() : format.label();
    }
}
