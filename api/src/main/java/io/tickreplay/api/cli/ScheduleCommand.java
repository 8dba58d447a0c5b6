package io.tickreplay.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.JobScheduleStore;
import io.tickreplay.api.config.Settings;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.schedule.ScheduleService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = "Scheduled replays (docs/schedules.md): a cron expression in a time zone, a replay and its window; serve fires them.",
    subcommands = {ScheduleCommand.Add.class, ScheduleCommand.ListSchedules.class, ScheduleCommand.Remove.class})
public final class ScheduleCommand implements Runnable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: add, list or remove");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
        description = "Adds a schedule to job_schedules and prints it as JSON; a running serve picks it up within schedules.poll-interval.")
    static final class Add implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Mixin
        WindowOptions target;

        @Option(names = "--name", required = true, paramLabel = "NAME", description = "A name of its own (letters, digits, _ . -).")
        String name;

        @Option(names = "--cron", required = true, paramLabel = "'M H DOM MON DOW'",
            description = "When it fires: minute hour day-of-month month day-of-week, e.g. '0 22 * * 1-5' (22:00 on weekdays).")
        String cron;

        @Option(names = "--zone", paramLabel = "ZONE", description = "The IANA time zone the cron reads (default UTC), e.g. America/New_York.")
        String zone = "UTC";

        @Option(names = "--window", paramLabel = "last=DURATION|previous-trading-day[=HH:MM-HH:MM]",
            description = "The window of each run, relative to its fire time: last=4h (also 90m, 2d), or previous-trading-day " +
                "(the last weekday before the fire's date in --zone; =09:30-16:00 for a session, default the whole day). Or --start/--end.")
        String relative;

        @Option(names = "--speed", paramLabel = "X", description = "1 = original timing (the default, as in the API), N = N times faster, 0 = burst.")
        Double speed;

        @Option(names = "--signals", split = ",", paramLabel = "NAMES|all|none", description = "Signals to compute (default signals.default).")
        List<String> signals;

        @Option(names = "--no-journal", description = "Do not journal its runs.")
        boolean noJournal;

        @Option(names = "--misfire", paramLabel = "run-once|skip",
            description = "A fire missed while serve was down, or while the previous run was still going: run-once (the default) starts it " +
                "once late, skip passes it by.")
        String misfire = "run-once";

        @Override
        public Integer call() throws Exception
        {
            final ObjectNode body = body();
            final Settings settings = common.settings(Map.of());
            final Path importDir = Services.replayConfig(settings).importDir();
            try (Database db = CommonOptions.openDatabase(settings))
            {
                final ScheduleService service = new ScheduleService(new JobScheduleStore(db.dataSource()), Clock.systemUTC(), importDir);
                final JobScheduleStore.Schedule created;
                try
                {
                    created = service.create(body);
                }
                catch (final ReplayRequest.InvalidField e)
                {
                    throw new UsageException(flag(e.field()) + ": " + e.getMessage());
                }
                catch (final JobScheduleStore.DuplicateName e)
                {
                    throw new UsageException("--name: " + e.getMessage());
                }
                System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ScheduleService.json(created)));
            }
            return 0;
        }

        /** The API's body for these flags: one definition, checked by the same code whichever way it comes. */
        private ObjectNode body()
        {
            final ObjectNode body = JSON.createObjectNode();
            body.put("name", name);
            body.put("cron", cron);
            body.put("zone", zone);
            body.put("misfire", switch (misfire)
            {
                case "run-once", "run_once" -> ScheduleService.RUN_ONCE;
                case "skip" -> ScheduleService.SKIP;
                default -> throw new UsageException("--misfire must be run-once or skip, was '" + misfire + "'");
            });
            body.set("window", window());
            final ObjectNode replay = body.putObject("replay");
            if (target.provider != null)
            {
                replay.put("provider", target.provider);
            }
            if (target.symbols != null)
            {
                final ArrayNode symbols = replay.putArray("symbols");
                target.symbols.forEach(symbols::add);
            }
            if (speed != null)
            {
                replay.put("speed", speed);
            }
            if (signals != null)
            {
                final ArrayNode names = replay.putArray("signals");
                signals.forEach(names::add);
            }
            if (noJournal)
            {
                replay.put("journal", false);
            }
            return body;
        }

        private ObjectNode window()
        {
            final Instant start = target.start();
            final Instant end = target.end();
            final ObjectNode w = JSON.createObjectNode();
            if (relative == null)
            {
                if (start == null || end == null)
                {
                    throw new UsageException("--window: give --window last=4h, --window previous-trading-day, or --start and --end");
                }
                w.put("start", start.toString());
                w.put("end", end.toString());
                return w;
            }
            if (start != null || end != null)
            {
                throw new UsageException((start != null ? "--start" : "--end") + ": a fixed window does not go with --window " + relative);
            }
            if (relative.startsWith("last="))
            {
                w.put("last", relative.substring("last=".length()));
            }
            else if (relative.equals("previous-trading-day") || relative.startsWith("previous-trading-day="))
            {
                w.put("previous_trading_day", true);
                if (relative.contains("="))
                {
                    w.put("session", relative.substring(relative.indexOf('=') + 1));
                }
            }
            else
            {
                throw new UsageException("--window must be last=DURATION (e.g. last=4h) or previous-trading-day[=09:30-16:00], was '" + relative + "'");
            }
            return w;
        }

        /** The flag that sets a definition's field. */
        private String flag(final String field)
        {
            if (field == null)
            {
                return "schedule";
            }
            return switch (field)
            {
                case "name", "cron", "zone", "misfire" -> "--" + field;
                case "replay.provider" -> "--provider";
                case "replay.symbols" -> "--symbols";
                case "replay.speed" -> "--speed";
                case "replay.signals" -> "--signals";
                case "replay.journal" -> "--no-journal";
                case "window.start" -> "--start";
                case "window.end" -> "--end";
                default -> field.startsWith("window") && relative == null ? "--start/--end" : field.startsWith("window") ? "--window" : "--" + field;
            };
        }
    }

    /** How the schedule's last run ended (or that it runs), from its job row; what the scheduler noted when no row says more. */
    static String outcome(final JobRunStore jobs, final JobScheduleStore.Schedule s) throws SQLException
    {
        if (s.lastRunId() == null)
        {
            return s.lastOutcome() == null ? "-" : s.lastOutcome();
        }
        return jobs.find(s.lastRunId()).map(j -> j.status() + (j.errorMessage() == null ? "" : ": " + j.errorMessage()))
            .orElse(s.lastOutcome() == null ? "-" : s.lastOutcome());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The schedules: one line each (or --json), with their next fire and last run.")
    static final class ListSchedules implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Option(names = "--json", description = "Print {\"schedules\": [...]} as the API answers GET /v1/schedules.")
        boolean json;

        @Override
        public Integer call() throws Exception
        {
            try (Database db = CommonOptions.openDatabase(common.settings(Map.of())))
            {
                final List<JobScheduleStore.Schedule> all = new JobScheduleStore(db.dataSource()).list();
                final JobRunStore jobs = new JobRunStore(db.dataSource());
                if (json)
                {
                    final List<Map<String, Object>> items = new ArrayList<>();
                    all.forEach(s -> items.add(ScheduleService.json(s)));
                    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Map.of("schedules", items)));
                    return 0;
                }
                final String format = "%-6s %-20s %-16s %-18s %-9s %-22s %-9s %s%n";
                System.out.printf(format, "id", "name", "cron", "zone", "misfire", "next_fire_at", "last_run", "last_outcome");
                for (final JobScheduleStore.Schedule s : all)
                {
                    System.out.printf(format, s.id(), s.name(), s.cron(), s.zone(), s.misfire(), s.nextFireAt(), s.lastRunId() == null ? "-" : s.lastRunId(),
                        outcome(jobs, s));
                }
            }
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Removes a schedule; a run it started goes on.")
    static final class Remove implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Parameters(paramLabel = "ID", description = "The schedule's id (schedule list).")
        long id;

        @Override
        public Integer call() throws Exception
        {
            try (Database db = CommonOptions.openDatabase(common.settings(Map.of())))
            {
                if (!new JobScheduleStore(db.dataSource()).delete(id))
                {
                    throw new UsageException("ID: there is no schedule " + id + " (schedule list shows them)");
                }
            }
            System.out.println("removed schedule " + id);
            return 0;
        }
    }
}
