package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.request.InvalidRequest;
import io.tickreplay.api.runs.RunCatalog;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

@Command(
    name = "runs",
    mixinStandardHelpOptions = true,
    description = "The replay runs the store keeps, with what each holds (signal rows, bars, journal), and their deletion (docs/runs.md, \"Retention\").",
    subcommands = {RunsCommand.ListRuns.class, RunsCommand.Show.class, RunsCommand.Prune.class})
public final class RunsCommand implements Runnable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list, show or prune");
    }

    /** The catalog of the store these options name; its journals where {@code replay.journal-dir} (or --journal-dir) says. */
    private static RunCatalog catalog(final Database db, final Settings settings) throws Exception
    {
        return RunCatalog.of(db, Path.of(settings.string("replay.journal-dir")));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "One line per run, newest first: status, provider and symbols, window, ticks, times, and what it holds: signal rows " +
            "(about), the MB of its partition, bars, and the MB of its journal.")
    static final class ListRuns implements Callable<Integer>
    {
        @Mixin
        JournalCommand.JournalDirectory options;

        @Option(names = "--limit", paramLabel = "N", description = "At most N runs, the newest (default 50).")
        int limit = 50;

        @Option(names = "--json", description = "Print {\"runs\": [...]} as the API answers GET /v1/runs.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            if (limit < 1)
            {
                throw new UsageException("--limit must be >= 1, was " + limit);
            }
            final Settings settings = options.settings();
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final List<RunCatalog.Run> runs = catalog(db, settings).list(null, null, limit, 0);
                if (json)
                {
                    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("runs", runs.stream().map(RunCatalog.Run::json).toList())));
                    return 0;
                }
                final List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"run", "status", "provider", "symbols", "start", "end", "ticks", "created", "finished", "signal_rows", "signals_mb",
                    "bars", "journal_mb"});
                for (final RunCatalog.Run run : runs)
                {
                    final RunCatalog.Size size = run.size();
                    rows.add(new String[] {String.valueOf(run.id()), run.job().status(), String.valueOf(run.job().provider()), symbols(run.job().symbols()),
                        time(run.job().minTs()), time(run.end()), Format.count(run.job().rowsWritten()), time(run.job().startedAt()),
                        time(run.job().completedAt()), count(size.signalRows()), Format.megabytes(size.bytes()), count(size.barRows()),
                        size.journalBytes() == null ? "-" : Format.megabytes(size.journalBytes())});
                }
                Format.table(rows, Set.of(0, 6, 9, 10, 11, 12));
                if (runs.isEmpty())
                {
                    System.out.println("(no replay runs)");
                }
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One run as JSON: what runs list says of it, its error and its metadata.")
    static final class Show implements Callable<Integer>
    {
        @Mixin
        JournalCommand.JournalDirectory options;

        @Parameters(paramLabel = "ID", description = "The run's id (runs list).")
        long id;

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = options.settings();
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final RunCatalog.Run run = catalog(db, settings).find(checkedId(id))
                    .orElseThrow(() -> new UsageException("ID: no replay run " + id + " (runs list shows them)"));
                System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(run.detail()));
            }
            return 0;
        }
    }

    @Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Deletes finished runs and everything they hold (signal rows, bars, journal, telemetry, checkpoint, job row): those beyond " +
            "the newest N (--keep), those that finished more than D ago (--older-than; with --keep, runs that are both), or the runs named by ID. " +
            "Never a running or paused run, nor the live rows. Prints each run deleted and what it freed.")
    static final class Prune implements Callable<Integer>
    {
        @Mixin
        JournalCommand.JournalDirectory options;

        @Option(names = "--keep", paramLabel = "N", description = "Keep the newest N finished runs (by start), delete the older ones.")
        Integer keep;

        @Option(names = "--older-than", paramLabel = "D", description = "Delete runs that finished more than D ago: 30m, 12h, 7d, 2w.")
        String olderThan;

        @Option(names = "--dry-run", description = "Print what would be deleted; delete nothing.")
        boolean dryRun;

        @Parameters(paramLabel = "ID", arity = "0..*", description = "Runs to delete, by id (instead of --keep and --older-than).")
        List<Long> ids;

        @Override
        public Integer call() throws Exception
        {
            final RunCatalog.Selection selection;
            try
            {
                selection = new RunCatalog.Selection(keep, olderThan == null ? null : RunCatalog.Selection.age(olderThan),
                    ids == null || ids.isEmpty() ? null : ids);
            }
            catch (final InvalidRequest e)
            {
                throw new UsageException(flag(e.field()) + e.getMessage());
            }
            final Settings settings = options.settings();
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final RunCatalog catalog = catalog(db, settings);
                if (dryRun)
                {
                    final List<RunCatalog.Run> runs = select(catalog, selection);
                    long bytes = 0;
                    for (final RunCatalog.Run run : runs)
                    {
                        System.out.println("would delete " + describe(run) + ": " + holds(run.size()));
                        bytes += run.size().bytes() + (run.size().journalBytes() == null ? 0 : run.size().journalBytes());
                    }
                    System.out.println(runs.isEmpty() ? "nothing to delete: no run matches" :
                        "would free " + Format.megabytes(bytes) + " MB from " + runs.size() + " run(s); nothing was deleted (--dry-run)");
                    return 0;
                }
                final List<RunCatalog.Deleted> deleted;
                try
                {
                    deleted = catalog.prune(selection);
                }
                catch (final RunCatalog.NotFound e)
                {
                    throw new UsageException("ID: " + e.getMessage() + " (runs list shows them); nothing was deleted");
                }
                long bytes = 0;
                long journals = 0;
                long rows = 0;
                long bars = 0;
                final Set<Long> done = new LinkedHashSet<>();
                for (final RunCatalog.Deleted d : deleted)
                {
                    System.out.println("deleted " + describe(d.run()) + ": freed " + holds(d.freed()));
                    bytes += d.freed().bytes();
                    journals += d.freed().journalBytes() == null ? 0 : d.freed().journalBytes();
                    rows += d.freed().signalRows();
                    bars += d.freed().barRows();
                    done.add(d.run().id());
                }
                System.out.println(deleted.isEmpty() ? "nothing to delete: no run matches" : "freed " + Format.megabytes(bytes + journals) + " MB from " +
                    deleted.size() + " run(s): " + Format.count(rows) + " signal rows (" + Format.megabytes(bytes) + " MB), " + Format.count(bars) +
                    " bars, " + Format.megabytes(journals) + " MB of journals");
                if (selection.ids() != null && !done.containsAll(selection.ids()))
                {
                    final List<Long> left = selection.ids().stream().filter(id -> !done.contains(id)).distinct().toList();
                    System.err.println("tickreplay runs prune: run(s) " + left + " changed while being deleted (resumed?) and were kept; runs list shows them");
                    return 1;
                }
            }
            return 0;
        }

        private static List<RunCatalog.Run> select(final RunCatalog catalog, final RunCatalog.Selection selection) throws Exception
        {
            try
            {
                return catalog.select(selection);
            }
            catch (final RunCatalog.NotFound e)
            {
                throw new UsageException("ID: " + e.getMessage() + " (runs list shows them)");
            }
        }

        private static String flag(final String field)
        {
            if (field == null)
            {
                return "";
            }
            return switch (field)
            {
                case "keep" -> "--keep: ";
                case "older_than" -> "--older-than: ";
                default -> "ID: ";
            };
        }
    }

    private static long checkedId(final long id)
    {
        if (id < 1)
        {
            throw new UsageException("ID: replay run ids start at 1 (run 0 is the live pipeline's rows), was " + id);
        }
        return id;
    }

    /** "run 5 (completed; ibkr NVDA,AAPL; 2025-11-03T14:30:00Z to 2025-11-03T15:30:00Z)". */
    private static String describe(final RunCatalog.Run run)
    {
        return "run " + run.id() + " (" + run.job().status() + "; " + run.job().provider() + " " + symbols(run.job().symbols()) + "; " + time(run.job().minTs()) +
            " to " + time(run.end()) + ")";
    }

    private static String holds(final RunCatalog.Size size)
    {
        return count(size.signalRows()) + " signal rows, " + Format.megabytes(size.bytes()) + " MB, " + count(size.barRows()) + " bars, journal " +
            (size.journalBytes() == null ? "-" : Format.megabytes(size.journalBytes()) + " MB");
    }

    private static String symbols(final List<String> symbols)
    {
        return symbols.size() <= 3 ? String.join(",", symbols) : String.join(",", symbols.subList(0, 2)) + ",+" + (symbols.size() - 2);
    }

    private static String time(final Instant t)
    {
        return t == null ? "-" : t.truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String count(final Long n)
    {
        return n == null ? "-" : Format.count(n);
    }
}
