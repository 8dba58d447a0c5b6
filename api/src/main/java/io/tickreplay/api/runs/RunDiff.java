package io.tickreplay.api.runs;

import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.RunManifest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;

/**
 * What differs between two replay runs, and where (docs/runs.md, "Manifest and diff"): (a) the entries
 * of their manifests that differ, each with both values; (b) whether their stream checksums agree; (c)
 * where their streams first diverge, read from their journals ({@link StreamDivergence}); (d) per signal
 * name, how many stored rows differ and the first that does ({@link SignalRowsDiff}). The runs are equal
 * when all four agree. Used by {@code tickreplay diff} and {@code GET /v1/runs/diff}; any thread, one
 * connection per diff; memory is constant whatever the runs' sizes.
 */
public final class RunDiff
{
    public static final double DEFAULT_TOLERANCE = 1e-9;

    private final JobRunStore jobs;
    private final DataSource dataSource;

    public RunDiff(final JobRunStore jobs, final DataSource dataSource)
    {
        this.jobs = jobs;
        this.dataSource = dataSource;
    }

    /** Why two runs cannot be compared (exit 2): a run that is unknown ({@code unknown}: the API's 404), or has nothing to compare. */
    public static final class NotComparable extends RuntimeException
    {
        private static final long serialVersionUID = 1L;
        private final String field;
        private final boolean unknown;

        NotComparable(final String field, final boolean unknown, final String message)
        {
            super(message);
            this.field = field;
            this.unknown = unknown;
        }

        /** {@code a} or {@code b}: the run it is about. */
        public String field()
        {
            return field;
        }

        public boolean unknown()
        {
            return unknown;
        }
    }

    /** One run as the diff reads it. */
    private record Run(String field, long id, JobRunStore.JobRun job, Map<String, Object> manifest, Path journal)
    {
    }

    /**
     * Compares runs {@code a} and {@code b}.
     *
     * @param tolerance relative, for signal values: {@code |a - b| <= tolerance * max(|a|, |b|)} is equal
     * @throws NotComparable when a run is unknown, or has neither a journal nor signal rows
     */
    public Result diff(final long a, final long b, final double tolerance) throws SQLException, IOException
    {
        if (!(tolerance >= 0) || Double.isInfinite(tolerance))
        {
            throw new IllegalArgumentException("tolerance must be a finite number >= 0, was " + tolerance);
        }
        final Run ra = run("a", a);
        final Run rb = run("b", b);
        try (Connection c = dataSource.getConnection())
        {
            c.setReadOnly(true);
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try
            {
                for (final Run r : List.of(ra, rb))
                {
                    if (r.journal() == null && !SignalRowsDiff.hasPartition(c, r.id()))
                    {
                        throw new NotComparable(r.field(), false, "replay run " + r.id() + " has neither a journal nor signal rows in the table: " +
                            "there is nothing of it to compare (it ran with --no-journal and wrote its signals to a file or nowhere, or both were deleted)");
                    }
                }
                final List<ManifestEntries.Difference> manifest = ra.manifest() == null || rb.manifest() == null ? null
                    : ManifestEntries.differences(ra.manifest(), rb.manifest());
                final Map<String, Object> checksum = new LinkedHashMap<>();
                checksum.put("a", ra.job().metadata().get("checksum"));
                checksum.put("b", rb.job().metadata().get("checksum"));
                checksum.put("agree", checksum.get("a") != null && Objects.equals(checksum.get("a"), checksum.get("b")));
                final Map<String, Object> stream = stream(ra, rb);
                final List<String> names = signalNames(c, ra, rb);
                final List<Map<String, Object>> signals = SignalRowsDiff.compare(c, a, b, names, tolerance);
                c.commit();
                return new Result(a, b, tolerance, missingManifest(ra, rb), manifest, checksum, stream, signals);
            }
            finally
            {
                c.rollback();
            }
        }
    }

    private Run run(final String field, final long id) throws SQLException, IOException
    {
        final JobRunStore.JobRun job = jobs.find(id).filter(j -> ReplayService.JOB_NAME.equals(j.jobName()))
            .orElseThrow(() -> new NotComparable(field, true, "there is no replay run " + id));
        final Object dir = job.metadata().get("journal");
        final Path journal = dir instanceof String s && Files.isRegularFile(Path.of(s).resolve(JournalManifest.FILE)) ? Path.of(s) : null;
        Map<String, Object> manifest = null;
        if (job.metadata().get("manifest") instanceof Map<?, ?> m)
        {
            @SuppressWarnings("unchecked")
            final Map<String, Object> stored = (Map<String, Object>)m;
            manifest = stored;
        }
        else if (journal != null)
        {
            manifest = RunManifest.read(journal).map(RunManifest::toMap).orElse(null);
        }
        return new Run(field, id, job, manifest, journal);
    }

    private static String missingManifest(final Run a, final Run b)
    {
        for (final Run r : List.of(a, b))
        {
            if (r.manifest() == null)
            {
                return "replay run " + r.id() + " has no manifest (it ran before runs kept one)";
            }
        }
        return null;
    }

    private static Map<String, Object> stream(final Run a, final Run b) throws IOException
    {
        for (final Run r : List.of(a, b))
        {
            if (r.journal() == null)
            {
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("compared", false);
                m.put("reason", "replay run " + r.id() + " has no journal" + (r.job().metadata().get("journal") instanceof String s
                    ? " (its journal is gone)" : " (it ran with --no-journal, or from another run's journal)") +
                    ": the streams are compared by their checksums only");
                return m;
            }
        }
        return StreamDivergence.compare(a.journal(), b.journal());
    }

    /** The signals either run's manifest names, A's first; without both manifests, every name with rows in either run. */
    private static List<String> signalNames(final Connection c, final Run a, final Run b) throws SQLException
    {
        if (a.manifest() == null || b.manifest() == null)
        {
            return SignalRowsDiff.namesWithRows(c, a.id(), b.id());
        }
        final Set<String> names = new LinkedHashSet<>();
        for (final Run r : List.of(a, b))
        {
            if (r.manifest().get("signals") instanceof List<?> list)
            {
                for (final Object s : list)
                {
                    if (s instanceof Map<?, ?> m && m.get("name") != null)
                    {
                        names.add(String.valueOf(m.get("name")));
                    }
                }
            }
        }
        return new ArrayList<>(names);
    }

    /**
     * The answer: {@code manifest} null when a run has none ({@code manifestMissing} says which), {@code stream}
     * as {@link StreamDivergence} or why it was not compared, {@code signals} per name as {@link SignalRowsDiff}.
     */
    public record Result(long a, long b, double tolerance, String manifestMissing, List<ManifestEntries.Difference> manifest,
        Map<String, Object> checksum, Map<String, Object> stream, List<Map<String, Object>> signals)
    {
        /** Equal manifests, agreeing checksums, no divergence, no differing rows. */
        public boolean equal()
        {
            return manifest != null && manifest.isEmpty() && Boolean.TRUE.equals(checksum.get("agree")) && !Boolean.TRUE.equals(stream.get("diverges")) &&
                signals.stream().allMatch(s -> ((Number)s.get("differing")).longValue() == 0);
        }

        /** The exit code of {@code tickreplay diff}: 0 equal, 1 different. */
        public int exitCode()
        {
            return equal() ? 0 : 1;
        }

        /** The API's answer, and {@code tickreplay diff --json}'s. */
        public Map<String, Object> toJson()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", a);
            m.put("b", b);
            m.put("equal", equal());
            final Map<String, Object> man = new LinkedHashMap<>();
            man.put("equal", manifest != null && manifest.isEmpty());
            if (manifestMissing != null)
            {
                man.put("reason", manifestMissing);
            }
            man.put("differences", manifest == null ? List.of() : manifest.stream().map(ManifestEntries.Difference::toJson).toList());
            m.put("manifest", man);
            m.put("checksum", checksum);
            m.put("stream", stream);
            final Map<String, Object> rows = new LinkedHashMap<>();
            rows.put("tolerance", tolerance);
            rows.put("names", signals);
            m.put("signals", rows);
            return m;
        }

        /** What {@code tickreplay diff} prints. */
        public String toText()
        {
            return DiffText.of(this);
        }
    }
}
