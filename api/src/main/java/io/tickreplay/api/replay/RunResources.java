package io.tickreplay.api.replay;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.chronicle.ChronicleJournalSource;
import io.tickreplay.adapters.chronicle.ChronicleTickJournal;
import io.tickreplay.adapters.chronicle.JournalLayout;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.chronicle.JournalTruncation;
import io.tickreplay.adapters.csv.CsvSignalFile;
import io.tickreplay.adapters.parquet.ParquetSignalFile;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.ModelScoreWriter;
import io.tickreplay.adapters.postgres.PgBarWriter;
import io.tickreplay.adapters.postgres.PgSignalWriter;
import io.tickreplay.adapters.postgres.SignalStore;
import io.tickreplay.adapters.postgres.PgTickSource;
import io.tickreplay.adapters.files.SignalFile;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.bus.LagGate;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.MergedTickSource;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.signals.PredictionSignal;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.signals.SignalWriteListener;
import io.tickreplay.engine.tick.Micros;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The second step of a run: what one planned run reads from and writes to (its bus, optionally behind a
 * lag gate; its source; its journal and manifest; its signal writers or file; its bar writer), opened in
 * order by {@link #open} and closed together, adding what fails to close to the run's error (Aeron's
 * CloseHelper). One per run; used by the thread that starts the run, then by the one that completes it.
 */
final class RunResources
{
    private static final Logger LOG = LoggerFactory.getLogger(RunResources.class);

    TickBus bus;
    TickBus rawBus;
    LagGate gate;
    TickBatchSource source;
    ChronicleTickJournal journal;
    JournalManifest manifest;
    /** What the run's output is a function of: in the job's metadata and beside the journal, again when the run ends. */
    RunManifest runManifest;
    SignalFile file;
    final List<PgSignalWriter> writers = new ArrayList<>();
    PgBarWriter bars;
    /** The models' scores into {@code model_scores}, and their gauges' source; null for a run without models. */
    ModelScoreWriter scores;
    final List<SignalSink> sinks = new ArrayList<>();

    private final Database db;
    private final Buses buses;
    private final ReplayService.Context config;
    private final JobRunStore jobs;
    private final SignalWriteListener writeListener;
    private final int chunkRows;

    /** @param chunkRows the rows of a database source's COPY chunk: the setting, or less to fit the run's share of the heap ({@link RunMemory}) */
    RunResources(final Database db, final Buses buses, final ReplayService.Context config, final JobRunStore jobs, final SignalWriteListener writeListener,
        final int chunkRows)
    {
        this.chunkRows = chunkRows;
        this.db = db;
        this.buses = buses;
        this.config = config;
        this.jobs = jobs;
        this.writeListener = writeListener;
    }

    void open(final ReplayPlan plan, final long runId) throws IOException, SQLException
    {
        rawBus = buses.forRun(plan.bus(), plan.provider(), runId);
        bus = rawBus;
        if (plan.maxLag() != null && !plan.bus().isInProcess())
        {
            // hold the burst back while the consumers reading the topic are too far behind
            gate = new LagGate(plan.maxLag(), () -> buses.consumerLag(plan.bus(), plan.provider(), db.dataSource(), plan.maxLag() + 1),
                "replay-" + runId + "-lag").start();
            bus = gate.gate(rawBus);
        }
        if (plan.fromJournal() != null)
        {
            source = new ChronicleJournalSource(config.journalDirectory(plan.fromJournal()), plan.symbols().size());
        }
        else
        {
            source = plan.sources() != null ? mergedSource(plan, runId) : databaseSource(plan.provider(), plan.symbols(), plan.warmFromMicros(), plan,
                "tickreplay-replay-" + runId);
            if (plan.journaling() && plan.resumeFrom() != null)
            {
                openResumedJournal(plan, runId);
            }
            else if (plan.journaling())
            {
                final Path dir = config.journalDirectory(runId);
                journal = openJournal(dir);
                manifest = new JournalManifest(JournalManifest.FORMAT, JournalLayout.VERSION, runId, plan.provider(), plan.symbols().names(),
                    plan.start().toString(), plan.end().toString(), plan.speed(), plan.describeQuery(), "running", 0, null, null, null,
                    Instant.now().toString(), null, plan.symbols().providers(),
                    plan.sources() == null ? null : plan.sources().stream().map(PlannedSource::describe).toList());
                manifest.write(dir);
                jobs.mergeMetadata(runId, Map.of("journal", dir.toAbsolutePath().toString()));
            }
        }
        recordManifest(plan, runId);
        if (!plan.models().isEmpty())
        {
            scores = new ModelScoreWriter(db.dataSource(), runId, plan.provider(), plan.symbols(), plan.models().stream().map(ModelSpec::name).toList());
        }
        if (plan.signals().isEmpty())
        {
            return;
        }
        final List<SignalCalculator> calculators = PredictionSignal.withModels(SignalSet.of(plan.signals(), 1).calculators(), plan.models());
        if (plan.toTable())
        {
            // a new run's partition is empty: COPY straight in (the merge stays as the fallback); a resumed run rewrites rows past its checkpoint
            final boolean straight = plan.resumeFrom() == null && !new SignalStore(db.dataSource()).hasRows(runId);
            for (int shard = 0; shard < config.shards(); shard++)
            {
                final PgSignalWriter writer = new PgSignalWriter(db.dataSource(), plan.provider(), plan.symbols(), calculators, runId,
                    config.signalBatchRows(), config.signalBatchMillis(), System::nanoTime, writeListener).metadata(config.signalMetadata());
                writer.direct(straight);
                writers.add(writer);
                sinks.add(writer);
            }
            bars = new PgBarWriter(db.dataSource(), plan.provider(), plan.symbols(), runId);
            return;
        }
        if (!plan.sink().equals("none"))
        {
            file = openFile(Path.of(plan.sink()), plan, calculators, runId);
        }
        for (int shard = 0; shard < config.shards(); shard++)
        {
            sinks.add(file == null ? SignalSink.DISCARD : file.shard());
        }
    }

    /**
     * The run's manifest, into the job's metadata and beside its journal. A resumed run keeps the one it
     * started with (its warm-up was the original run's), running again, and says so if its code differs.
     */
    private void recordManifest(final ReplayPlan plan, final long runId) throws IOException, SQLException
    {
        final CodeVersion code = CodeVersion.current();
        final Object stored = plan.resumeFrom() == null ? null : jobs.find(runId).map(j -> j.metadata().get("manifest")).orElse(null);
        if (stored instanceof Map<?, ?> m)
        {
            @SuppressWarnings("unchecked")
            final RunManifest before = RunManifest.of((Map<String, Object>)m);
            runManifest = before.running();
            if (!code.describe().equals(before.toMap().get("code")))
            {
                jobs.mergeMetadata(runId, Map.of("resumed_with_code", code.describe()));
            }
        }
        else
        {
            runManifest = RunManifest.planned(plan, config.signalMetadata(), code);
        }
        jobs.mergeMetadata(runId, Map.of("manifest", runManifest.toMap()));
        if (journal != null)
        {
            runManifest.write(config.journalDirectory(runId));
        }
    }

    private PgTickSource databaseSource(final String provider, final SymbolTable symbols, final long fromMicros, final ReplayPlan plan,
        final String applicationName)
    {
        return new PgTickSource(db.dataSource(), provider, symbols, fromMicros, Micros.of(plan.end()),
            new PgTickSource.Options().batchSize(config.batchSize()).targetChunkRows(chunkRows).applicationName(applicationName));
    }

    /**
     * One reader per source, each over its own symbols from its own warm-up (a database source its own
     * thread and connection), merged in (ts, source order, symbol, seq): the ids of source {@code s} start
     * where the previous source's end, as in {@link SymbolTable#ofSources}.
     */
    private TickBatchSource mergedSource(final ReplayPlan plan, final long runId)
    {
        final List<TickBatchSource> readers = new ArrayList<>();
        final int[] firstId = new int[plan.sources().size()];
        int next = 0;
        try
        {
            for (int i = 0; i < plan.sources().size(); i++)
            {
                final PlannedSource p = plan.sources().get(i);
                firstId[i] = next;
                final SymbolTable own = new SymbolTable(p.symbols());
                next += own.size();
                readers.add(p.spec().isParquet() ? ParquetSources.open(p, own, Micros.of(plan.end()))
                    : databaseSource(p.spec().provider(), own, p.warmFromMicros(), plan, "tickreplay-replay-" + runId + "-" + i));
            }
        }
        catch (final RuntimeException e)
        {
            readers.forEach(CloseHelper::quietClose);
            throw e;
        }
        return new MergedTickSource(readers, firstId, config.batchSize());
    }

    /**
     * The run's journal, cut back to the checkpoint (it may hold ticks journaled after it, before the
     * run died) and reopened for appending: at the end it holds the whole run once. A run whose
     * journal is gone resumes without one.
     */
    private void openResumedJournal(final ReplayPlan plan, final long runId) throws IOException, SQLException
    {
        final Path dir = config.journalDirectory(runId);
        final JournalManifest old;
        try
        {
            old = JournalManifest.read(dir);
        }
        catch (final IOException e)
        {
            LOG.warn("replay {} resumes without a journal: {}", runId, e.getMessage());
            jobs.mergeMetadata(runId, Map.of("journal_resumed", "none: " + e.getMessage()));
            return;
        }
        final long kept = JournalTruncation.keepUpTo(dir, plan.symbols().size(), plan.resumeFrom().lastTsMicros());
        manifest = old.withOutcome("running", 0, null, null, null, null);
        manifest.write(dir);
        journal = openJournal(dir);
        jobs.mergeMetadata(runId, Map.of("journal_resumed_after_ticks", kept));
    }

    /** A journal in {@code dir}; a file system without room for one fails the run naming the journal, before anything is written. */
    private static ChronicleTickJournal openJournal(final Path dir) throws IOException
    {
        try
        {
            return new ChronicleTickJournal(dir);
        }
        catch (final ChronicleTickJournal.JournalFullException e)
        {
            throw new IllegalStateException("journal: " + e.getMessage(), e);
        }
    }

    /** The api picks the file writer by the sink's extension: the adapters do not name each other. */
    private static SignalFile openFile(final Path target, final ReplayPlan plan, final List<SignalCalculator> calculators, final long runId)
        throws IOException
    {
        final FileFormat format = FileFormat.fromFileName(target.getFileName().toString());
        if (format == null)
        {
            throw new ReplayRequest.InvalidField("sink", "a signals file must end in " + FileFormat.EXTENSIONS + ": " + target);
        }
        return format == FileFormat.PARQUET ? new ParquetSignalFile(target, plan.provider(), plan.symbols(), calculators, "replay", runId)
            : new CsvSignalFile(target, format == FileFormat.CSV_GZ, plan.provider(), plan.symbols(), calculators, "replay", runId);
    }

    /** Closes what the run wrote through once its topology has stopped (the bus, gate and writers), in order; a failure throws. */
    void closeWriters() throws Exception
    {
        if (gate != null)
        {
            gate.close();
        }
        if (rawBus instanceof AutoCloseable c)
        {
            c.close();
        }
        writers.forEach(PgSignalWriter::close);
        if (bars != null)
        {
            bars.close();
        }
    }

    /** Closes everything opened, adding what fails to close to {@code cause} as suppressed. */
    void closeAll(final Throwable cause)
    {
        final List<AutoCloseable> all = new ArrayList<>();
        all.add(gate);
        all.add(rawBus instanceof AutoCloseable c ? c : null);
        all.add(source);
        all.addAll(writers);
        all.add(bars);
        all.add(file);
        all.add(journal);
        for (final AutoCloseable c : all)
        {
            try
            {
                if (c != null)
                {
                    c.close();
                }
            }
            catch (final Exception e)
            {
                cause.addSuppressed(e);
            }
        }
    }
}
