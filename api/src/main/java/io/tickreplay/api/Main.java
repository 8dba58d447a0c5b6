package io.tickreplay.api;

import io.tickreplay.api.cli.BenchCommand;
import io.tickreplay.api.cli.BrokerCommand;
import io.tickreplay.api.cli.ConsumeCommand;
import io.tickreplay.api.cli.DemoCommand;
import io.tickreplay.api.cli.DiffCommand;
import io.tickreplay.api.cli.ExportCommand;
import io.tickreplay.api.cli.GenerateCommand;
import io.tickreplay.api.cli.ImportCommand;
import io.tickreplay.api.cli.DbCommand;
import io.tickreplay.api.cli.JournalCommand;
import io.tickreplay.api.cli.LiveCommand;
import io.tickreplay.api.cli.ReplayCommand;
import io.tickreplay.api.cli.ResumeCommand;
import io.tickreplay.api.cli.ModelCommand;
import io.tickreplay.api.cli.RunsCommand;
import io.tickreplay.api.cli.ScheduleCommand;
import io.tickreplay.api.cli.ServeCommand;
import io.tickreplay.api.cli.UsageException;
import io.tickreplay.adapters.csv.TickCsvReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code tickreplay} command line. Exit codes: 0 success, 1 failure, 2 bad arguments. A failure
 * is one line on stderr; {@code --verbose} adds the stack trace.
 */
@Command(
    name = "tickreplay",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Replays market ticks from PostgreSQL through LMAX Disruptor rings, computes signals and bars, exports them.",
    subcommands = {
        DemoCommand.class,
        GenerateCommand.class,
        ImportCommand.class,
        ReplayCommand.class,
        ResumeCommand.class,
        RunsCommand.class,
        ModelCommand.class,
        LiveCommand.class,
        ConsumeCommand.class,
        BrokerCommand.class,
        ExportCommand.class,
        ServeCommand.class,
        ScheduleCommand.class,
        JournalCommand.class,
        DiffCommand.class,
        DbCommand.class,
        BenchCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Main implements Runnable
{
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(final String[] args)
    {
        // Chronicle phones home unless told not to; `java -jar` users do not pass the launcher's -D flag
        System.setProperty("chronicle.analytics.disable", "true");
        System.exit(execute(args));
    }

    public static int execute(final String... args)
    {
        final CommandLine cli = commandLine();
        return cli.execute(args);
    }

    public static CommandLine commandLine()
    {
        return configured(new CommandLine(new Main()));
    }

    /** How a tickreplay command line reports failures and bad arguments; the bench's own JVM (benchmarks/) answers the same way. */
    public static CommandLine configured(final CommandLine cli)
    {
        cli.setExecutionExceptionHandler(Main::onFailure);
        cli.setParameterExceptionHandler(Main::onBadArguments);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }

    private static int onFailure(final Exception e, final CommandLine cli, final CommandLine.ParseResult parsed)
    {
        final PrintWriter err = cli.getErr();
        final boolean verbose = parsed.hasMatchedOption("--verbose") || hasVerbose(parsed);
        final boolean usage = e instanceof UsageException || e instanceof TickCsvReader.MissingColumnException;
        // qualified: a subcommand's failure says whose ("tickreplay runs prune: ..."); the bench's own JVM ("bench") too
        final String name = cli.getCommandSpec().qualifiedName();
        err.println((name.startsWith("tickreplay ") ? name : "tickreplay " + name) + ": " + (usage ? "" : "error: ") + message(e));
        if (verbose)
        {
            e.printStackTrace(err);
        }
        err.flush();
        return usage ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
    }

    private static int onBadArguments(final CommandLine.ParameterException e, final String[] args)
    {
        final CommandLine cli = e.getCommandLine();
        final PrintWriter err = cli.getErr();
        final String name = cli.getCommandSpec().qualifiedName();
        err.println(name + ": " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + name + " --help'.");
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private static boolean hasVerbose(final CommandLine.ParseResult parsed)
    {
        CommandLine.ParseResult p = parsed;
        while (p != null)
        {
            if (p.hasMatchedOption("--verbose"))
            {
                return true;
            }
            p = p.subcommand();
        }
        return false;
    }

    /** One line, and not a screenful: a batch error of the driver quotes the whole batch. */
    static String message(final Throwable e)
    {
        final String m = fullMessage(e);
        return m == null || m.length() <= 600 ? m : m.substring(0, 600) + " ... (" + (m.length() - 600) + " more characters; --verbose shows all)";
    }

    private static String fullMessage(final Throwable e)
    {
        final String own = e.getMessage();
        if (own != null && !own.isBlank())
        {
            return own;
        }
        Throwable t = e.getCause();
        while (t != null)
        {
            if (t.getMessage() != null && !t.getMessage().isBlank())
            {
                return t.getMessage();
            }
            t = t.getCause();
        }
        return e.getClass().getSimpleName();
    }

    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            final String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tickreplay " + (version == null ? "dev" : version) + " (Java " + Runtime.version() + ")"};
        }
    }
}
