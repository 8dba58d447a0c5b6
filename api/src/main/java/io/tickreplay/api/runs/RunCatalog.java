package io.tickreplay.api.runs;

import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.ReplayCheckpointStore;
import io.tickreplay.adapters.postgres.ReplayTelemetryStore;
import io.tickreplay.adapters.postgres.SignalStore;
import io.tickreplay.api.job.JobLifecycle;
import io.tickreplay.api.replay.JobJson;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.request.InvalidRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The replay runs the store keeps, what each holds, and their deletion (docs/runs.md, "Retention"). A
 * run is its {@code job_runs} row ({@code tick_replay}) and what it wrote: its partition of
 * {@code signal_rows}, its bars, its journal directory, its telemetry and its checkpoint. Runs are
 * listed with their sizes, and deleted one by one or by a rule ({@link Selection}: keep the newest N,
 * finished before a time, these ids). A run that is running or paused is never deleted, nor one whose
 * journal a running run replays, nor the live pipeline's rows (run 0).
 *
 * <p>Sizes cost catalog reads, never a scan, so that the cockpit's list can show them every second:
 * the bytes of the run's partition on disk ({@code pg_total_relation_size}), its rows as the table
 * statistics estimate them or as the run counted what it wrote (the larger), and its bars and
 * journal bytes as the run recorded them.
 *
 * <p>A deletion first marks the row {@code deleting} (a compare-and-set, so that a resume and a
 * deletion never both take a run), forgets the checkpoint (a half-deleted run is never resumed), drops
 * the partition and the bars in one transaction, deletes the telemetry and the journal directory,
 * and the row last: a deletion that stops half-way leaves the row {@code deleting}, and deleting the
 * run again (or any prune) finishes it. Thread-safe: the API's workers, the retention thread
 * ({@link RunRetention}) and the CLI call it; a deletion costs a few statements and the journal's unlinks.
 */
public final class RunCatalog
{
    /** The status of a run being deleted (or whose deletion stopped half-way). */
    public static final String DELETING = "deleting";
    private static final Logger LOG = LoggerFactory.getLogger(RunCatalog.class);
    private static final Set<String> LIVE = Set.of("running", "paused");
    private static final int PAGE = 500;
    private static final Pattern AGE = Pattern.compile("([0-9]{1,6})(m|h|d|w)");

    private final JobRunStore jobs;
    private final SignalStore signals;
    private final SignalStore reads;
    private final ReplayTelemetryStore telemetry;
    private final ReplayCheckpointStore checkpoints;
    private final Path journalDir;
    private final LongPredicate runsHere;

    /** Over the runs of {@code replays}: one it runs, or waits to resume after a lost database, is refused as running. */
    public RunCatalog(final ReplayService replays, final Database db)
    {
        this(replays.jobs(), db, replays.config().journalDir(), id -> replays.active(id).isPresent() || replays.recovery(id).isPresent());
    }

    private RunCatalog(final JobRunStore jobs, final Database db, final Path journalDir, final LongPredicate runsHere)
    {
        this.jobs = jobs;
        this.signals = new SignalStore(db.dataSource());
        this.reads = new SignalStore(db.reads());
        this.telemetry = new ReplayTelemetryStore(db.dataSource());
        this.checkpoints = new ReplayCheckpointStore(db.dataSource());
        this.journalDir = journalDir;
        this.runsHere = runsHere;
    }

    /**
     * For a process that runs no replays (the CLI): the rows say which runs run. Rows left running by a
     * process of this host that has ended are marked failed first, as a replay service does when it
     * starts, so that a killed run can be deleted.
     */
    public static RunCatalog of(final Database db, final Path journalDir) throws SQLException
    {
        final JobRunStore jobs = new JobRunStore(db.dataSource());
        jobs.failOrphans(ReplayService.JOB_NAME, JobLifecycle.host());
        return new RunCatalog(jobs, db, journalDir, id -> false);
    }

    public JobRunStore jobs()
    {
        return jobs;
    }

    /** Runs newest first, as {@code GET /v1/replay/ticks} pages them; {@code status} and {@code provider} filter when not null. */
    public List<Run> list(final String status, final String provider, final int limit, final int offset) throws SQLException
    {
        return runs(jobs.list(ReplayService.JOB_NAME, status, provider, limit, offset));
    }

    /** Run {@code id}; empty when there is no replay run of that id. */
    public Optional<Run> find(final long id) throws SQLException
    {
        final Optional<JobRunStore.JobRun> job = replayJob(id);
        return job.isEmpty() ? Optional.empty() : Optional.of(runs(List.of(job.get())).get(0));
    }

    /** These jobs as runs, their sizes read at once (one catalog query for the page). */
    public List<Run> runs(final List<JobRunStore.JobRun> page) throws SQLException
    {
        final Map<Long, long[]> partitions = reads.partitionSizes(page.stream().map(JobRunStore.JobRun::id).toList());
        final List<Run> out = new ArrayList<>(page.size());
        for (final JobRunStore.JobRun job : page)
        {
            out.add(new Run(job, size(job, partitions.get(job.id()))));
        }
        return out;
    }

    /** These jobs as {@code GET /v1/replay/ticks} and the cockpit's event stream list them: the job's JSON and its {@code size}. */
    public List<Map<String, Object>> jobsWithSize(final List<JobRunStore.JobRun> page) throws SQLException
    {
        final List<Map<String, Object>> out = new ArrayList<>(page.size());
        for (final Run run : runs(page))
        {
            final Map<String, Object> json = JobJson.of(run.job());
            json.put("size", run.size().json());
            out.add(json);
        }
        return out;
    }

    /** Deletes run {@code id}: {@link NotFound} when there is no such replay run, {@link Refused} while it runs or is paused. */
    public Deleted delete(final long id) throws SQLException, IOException
    {
        final JobRunStore.JobRun job = replayJob(id).orElseThrow(() -> new NotFound(id));
        refuseIfLive(job, journalReaders());
        if (!jobs.markDeleting(id, job.status()))
        {
            // changed since it was read: resumed, or deleted by another caller
            final JobRunStore.JobRun now = replayJob(id).orElseThrow(() -> new NotFound(id));
            refuseIfLive(now, Map.of());
            throw new Refused("replay run " + id + " changed while it was being deleted (it is " + now.status() + " now): try again");
        }
        return remove(job);
    }

    /**
     * The runs {@code selection} names, oldest first. By rule: finished runs only (completed, failed or
     * cancelled; and runs whose deletion stopped half-way, whatever the rule), never one whose journal a
     * running run replays. By id: each must be a replay run ({@link NotFound}) that is not running
     * ({@link Refused}), checked before anything is deleted.
     */
    public List<Run> select(final Selection selection) throws SQLException
    {
        final Map<Long, Long> readers = journalReaders();
        final List<JobRunStore.JobRun> chosen = new ArrayList<>();
        if (selection.ids() != null)
        {
            for (final long id : new LinkedHashSet<>(selection.ids()))
            {
                final JobRunStore.JobRun job = replayJob(id).orElseThrow(() -> new NotFound(id));
                refuseIfLive(job, readers);
                chosen.add(job);
            }
        }
        else
        {
            final Instant cutoff = selection.olderThan() == null ? null : Instant.now().minus(selection.olderThan());
            final Set<Long> seen = new HashSet<>(); // a run started meanwhile shifts the pages by one
            int finished = 0;
            for (int offset = 0; ; offset += PAGE)
            {
                final List<JobRunStore.JobRun> page = jobs.list(ReplayService.JOB_NAME, null, null, PAGE, offset);
                for (final JobRunStore.JobRun job : page)
                {
                    if (!seen.add(job.id()) || LIVE.contains(job.status()) || runsHere.test(job.id()))
                    {
                        continue;
                    }
                    if (job.status().equals(DELETING))
                    {
                        chosen.add(job);
                        continue;
                    }
                    final boolean kept = selection.keep() != null && finished++ < selection.keep();
                    final boolean old = cutoff == null || job.completedAt() != null && job.completedAt().isBefore(cutoff);
                    if (!kept && old && !readers.containsKey(job.id()))
                    {
                        chosen.add(job);
                    }
                }
                if (page.size() < PAGE)
                {
                    break;
                }
            }
        }
        chosen.sort(Comparator.comparing(JobRunStore.JobRun::startedAt, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparingLong(JobRunStore.JobRun::id));
        return runs(chosen);
    }

    /**
     * Deletes what {@code selection} names ({@link #select}), oldest first; a run resumed between the
     * choice and its deletion is left as it is (logged, and absent from the answer).
     */
    public List<Deleted> prune(final Selection selection) throws SQLException, IOException
    {
        final List<Deleted> out = new ArrayList<>();
        for (final Run run : select(selection))
        {
            if (!jobs.markDeleting(run.id(), run.job().status()))
            {
                LOG.warn("replay run {} changed while a prune was deleting it: it is kept", run.id());
                continue;
            }
            out.add(remove(run.job()));
        }
        return out;
    }

    private Deleted remove(final JobRunStore.JobRun job) throws SQLException, IOException
    {
        final long id = job.id();
        checkpoints.delete(id); // first: a run deleted half-way is never resumed
        final Run before = runs(List.of(job)).get(0);
        final long bars = signals.dropRun(id);
        telemetry.delete(id);
        boolean journaled = false;
        for (final Path dir : journalDirectories(job))
        {
            journaled |= deleteTree(dir);
        }
        jobs.delete(id);
        final Long rows = before.size().signalRows();
        // a journal's files are sparse (Chronicle maps them in large chunks): what it held is what the run recorded writing
        final Long journal = job.metadata().get("journal_bytes") instanceof Number n ? Long.valueOf(n.longValue()) : journaled ? null : Long.valueOf(0);
        return new Deleted(before, new Size(rows == null ? 0L : rows, before.size().bytes(), bars, journal));
    }

    private Optional<JobRunStore.JobRun> replayJob(final long id) throws SQLException
    {
        if (id < 1)
        {
            throw new InvalidRequest("run_id", "replay run ids start at 1; run 0 is the live pipeline's rows, which are never deleted");
        }
        return jobs.find(id).filter(j -> ReplayService.JOB_NAME.equals(j.jobName()));
    }

    /** Run ids whose journal a running or paused run replays, to that run's id. */
    private Map<Long, Long> journalReaders() throws SQLException
    {
        final Map<Long, Long> out = new LinkedHashMap<>();
        for (final String status : LIVE)
        {
            for (final JobRunStore.JobRun job : jobs.list(ReplayService.JOB_NAME, status, null, PAGE, 0))
            {
                if (job.metadata().get("journal_of") instanceof Number of)
                {
                    out.put(of.longValue(), job.id());
                }
            }
        }
        return out;
    }

    private void refuseIfLive(final JobRunStore.JobRun job, final Map<Long, Long> readers)
    {
        final long id = job.id();
        if (LIVE.contains(job.status()) || runsHere.test(id))
        {
            throw new Refused("replay run " + id + " is " + (LIVE.contains(job.status()) ? job.status() : "running or waiting to resume in this process") +
                ": cancel it first, then delete it");
        }
        if (readers.containsKey(id))
        {
            throw new Refused("replay run " + readers.get(id) + " is replaying the journal of run " + id + ": delete run " + id + " once it has ended");
        }
    }

    /**
     * The run's journal directories: those its row recorded (only a directory named by its id: a row
     * never points a deletion elsewhere), and the configured one if its manifest is this run's (a run
     * that stopped before recording its journal).
     */
    private Set<Path> journalDirectories(final JobRunStore.JobRun job)
    {
        final String name = String.valueOf(job.id());
        final Set<Path> dirs = new LinkedHashSet<>();
        for (final String key : List.of("journal", "journal_path"))
        {
            if (job.metadata().get(key) instanceof String recorded)
            {
                final Path dir = Path.of(recorded).toAbsolutePath().normalize();
                if (dir.getFileName() != null && dir.getFileName().toString().equals(name))
                {
                    dirs.add(dir);
                }
            }
        }
        final Path configured = journalDir.resolve(name).toAbsolutePath().normalize();
        if (!dirs.contains(configured) && Files.isDirectory(configured))
        {
            try
            {
                final JournalManifest manifest = JournalManifest.read(configured);
                if (manifest.runId() == job.id() && job.minTs() != null && Instant.parse(manifest.start()).equals(job.minTs()))
                {
                    dirs.add(configured);
                }
            }
            catch (final IOException | RuntimeException e)
            {
                LOG.warn("replay run {}: {} is left: it holds no manifest of this run ({})", job.id(), configured, e.getMessage());
            }
        }
        return dirs;
    }

    /** Deletes {@code dir} and everything below it; false when it was not there. */
    private static boolean deleteTree(final Path dir) throws IOException
    {
        if (!Files.exists(dir))
        {
            return false;
        }
        final List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir))
        {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        catch (final UncheckedIOException e)
        {
            throw e.getCause();
        }
        for (final Path p : paths)
        {
            try
            {
                Files.delete(p);
            }
            catch (final NoSuchFileException e)
            {
                // deleted by another deletion of the same run meanwhile
            }
        }
        return true;
    }

    /**
     * What a run holds from its row and its partition: rows the larger of the table statistics'
     * estimate and the count the run recorded (null while neither is known: a run whose partition was
     * never analysed and that has not ended), bars and journal bytes as the run recorded them when it
     * ended (null until then).
     */
    private static Size size(final JobRunStore.JobRun job, final long[] partition)
    {
        final boolean ended = !LIVE.contains(job.status());
        final Long written = job.metadata().get("signals_written") instanceof Map<?, ?> perSignal
            ? perSignal.values().stream().mapToLong(v -> v instanceof Number n ? n.longValue() : 0).sum() : null;
        final Long rows;
        if (partition == null)
        {
            rows = 0L;
        }
        else if (partition[1] < 0 && written == null)
        {
            rows = null;
        }
        else
        {
            rows = Math.max(partition[1], written == null ? 0 : written);
        }
        return new Size(rows, partition == null ? 0 : partition[0], recorded(job, "bars_written", ended), recorded(job, "journal_bytes", ended));
    }

    private static Long recorded(final JobRunStore.JobRun job, final String key, final boolean ended)
    {
        return job.metadata().get(key) instanceof Number n ? Long.valueOf(n.longValue()) : ended ? Long.valueOf(0) : null;
    }

    /** A run as the catalog lists it: its job row and what it holds. */
    public record Run(JobRunStore.JobRun job, Size size)
    {
        public long id()
        {
            return job.id();
        }

        /** The end of its window [start, end), from its row's metadata; null when it has none. */
        public Instant end()
        {
            return job.metadata().get("end") instanceof String end ? Instant.parse(end) : null;
        }

        /** An item of {@code GET /v1/runs}. */
        public Map<String, Object> json()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", job.id());
            m.put("status", job.status());
            m.put("provider", job.provider());
            m.put("symbols", job.symbols());
            m.put("start", iso(job.minTs()));
            m.put("end", iso(end()));
            m.put("ticks", job.rowsWritten());
            m.put("created_at", iso(job.startedAt()));
            m.put("finished_at", iso(job.completedAt()));
            m.put("size", size.json());
            return m;
        }

        /** {@link #json()}, and the run's error and metadata ({@code runs show}). */
        public Map<String, Object> detail()
        {
            final Map<String, Object> m = json();
            m.put("error_message", job.errorMessage());
            m.put("metadata", job.metadata());
            return m;
        }
    }

    /**
     * What a run holds: its signal rows (about; null while unknown), the bytes of its partition on disk
     * (table and indexes), its bars and the bytes of its journal (null while it runs).
     */
    public record Size(Long signalRows, long bytes, Long barRows, Long journalBytes)
    {
        /** The {@code size} object of the API's runs. */
        public Map<String, Object> json()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("signal_rows", signalRows);
            m.put("bytes", bytes);
            m.put("bar_rows", barRows);
            m.put("journal_bytes", journalBytes);
            return m;
        }
    }

    /**
     * A run deleted, as it was, and what its deletion freed: its signal rows (about) and the bytes of its
     * partition, its bars as counted when deleted, its journal's bytes as the run recorded them (null
     * when it recorded none: a run that stopped before it ended).
     */
    public record Deleted(Run run, Size freed)
    {
        public Map<String, Object> json()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("run_id", run.id());
            m.put("deleted", true);
            m.put("status", run.job().status());
            m.put("freed", freed.json());
            return m;
        }
    }

    /**
     * Which runs a prune deletes: by rule, the finished runs beyond the newest {@code keep} (by start)
     * and/or those that finished more than {@code olderThan} ago (both: runs that are both); or these
     * {@code ids}. Fields are named as the API and {@code runs prune} name them.
     */
    public record Selection(Integer keep, Duration olderThan, List<Long> ids)
    {
        public Selection
        {
            if (ids != null && (keep != null || olderThan != null))
            {
                throw new InvalidRequest("ids", "name runs by id, or by --keep / --older-than, not both");
            }
            if (ids == null && keep == null && olderThan == null)
            {
                throw new InvalidRequest(null, "say which runs to delete: --keep N, --older-than D, or their ids");
            }
            if (ids != null && ids.isEmpty())
            {
                throw new InvalidRequest("ids", "no run ids given");
            }
            if (ids != null && ids.stream().anyMatch(id -> id < 1))
            {
                throw new InvalidRequest("ids", "replay run ids start at 1 (run 0 is the live pipeline's rows, which are never deleted), was " + ids);
            }
            if (keep != null && keep < 1)
            {
                throw new InvalidRequest("keep", "keep must be >= 1 (the newest runs to keep), was " + keep + "; to delete every finished run name them");
            }
            if (olderThan != null && (olderThan.isNegative() || olderThan.isZero()))
            {
                throw new InvalidRequest("older_than", "older_than must be a positive length such as 12h or 7d");
            }
            ids = ids == null ? null : List.copyOf(ids);
        }

        public static Selection keep(final int keep)
        {
            return new Selection(keep, null, null);
        }

        public static Selection ids(final List<Long> ids)
        {
            return new Selection(null, null, ids);
        }

        /** {@code 30m}, {@code 12h}, {@code 7d}, {@code 2w}: a whole number and a unit. */
        public static Duration age(final String text)
        {
            final Matcher m = AGE.matcher(text == null ? "" : text.strip());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0)
            {
                throw new InvalidRequest("older_than", "older_than must be a positive whole number and a unit (m, h, d or w), such as 12h or 7d; was '" +
                    text + "'");
            }
            final long n = Long.parseLong(m.group(1));
            return switch (m.group(2))
            {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        }
    }

    /** No replay run of that id (never was, deleted, or an export's). */
    public static final class NotFound extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        NotFound(final long id)
        {
            super("no replay run " + id);
        }
    }

    /** A run that must not be deleted now: running, paused, or its journal replayed by a running run. */
    public static final class Refused extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        Refused(final String message)
        {
            super(message);
        }
    }

    private static String iso(final Instant instant)
    {
        return instant == null ? null : instant.toString();
    }
}
