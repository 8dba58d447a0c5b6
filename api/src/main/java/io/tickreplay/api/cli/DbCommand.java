package io.tickreplay.api.cli;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.EmbeddedPostgresServer;
import io.tickreplay.api.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.File;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The database as an operator sees it: {@code db status} (which server, is it up, who owns the embedded
 * one), {@code db stop} (stops an embedded server no process owns any more: one a {@code kill -9}
 * orphaned), {@code db psql} (a SQL prompt, so the seed's SQL runs as written).
 */
@Command(
    name = "db",
    mixinStandardHelpOptions = true,
    description = "The database: status, stop (an orphaned embedded server), psql (a SQL prompt on it).",
    subcommands = {DbCommand.Status.class, DbCommand.Stop.class, DbCommand.Psql.class})
public final class DbCommand implements Runnable
{
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run()
    {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: status, stop or psql");
    }

    /** The embedded server's data directory, or null when db.url names an external server. */
    private static Path embeddedDir(final Settings settings)
    {
        final String url = settings.string("db.url");
        return url == null || url.isBlank() ? Path.of(settings.string("db.embedded-dir")).toAbsolutePath().normalize() : null;
    }

    /** The live postmaster of {@code data}, if any (a clean stop removes postmaster.pid). */
    private static Optional<Long> livePostmaster(final Path data) throws IOException
    {
        return EmbeddedPostgresServer.postmasterPid(data).filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    }

    /** True when a tickreplay process owns the server on {@code data} (it holds PostgreSQL's directory lock, and restarts it). */
    private static boolean ownedByAProcess(final Path data) throws IOException
    {
        final Path lock = data.resolve("epg-lock");
        if (!Files.exists(lock))
        {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE); FileLock held = channel.tryLock())
        {
            return held == null;
        }
        catch (final OverlappingFileLockException e)
        {
            return true;
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Which database, whether it answers, and who owns the embedded server.")
    static final class Status implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = common.settings(Map.of());
            final Path data = embeddedDir(settings);
            if (data != null)
            {
                final Optional<Long> pid = livePostmaster(data);
                if (pid.isEmpty())
                {
                    System.out.println("embedded PostgreSQL in " + data + ": stopped (any command starts it)");
                    return 0;
                }
                System.out.println("embedded PostgreSQL in " + data + ": running, postmaster pid " + pid.get() + ", " +
                    (ownedByAProcess(data) ? "owned by a running tickreplay process (it stops the server when it ends)"
                        : "owned by no process (orphaned, e.g. by kill -9): ./tickreplay db stop stops it"));
            }
            try (Database db = Database.open(settings.string("db.url"), data, 1))
            {
                db.ping();
                final List<Integer> versions = db.schemaVersions();
                System.out.println("database " + db.describe() + ": answers, PostgreSQL " + db.serverVersion() + ", schema version " +
                    (versions.isEmpty() ? "none" : versions.get(versions.size() - 1) + " (migrations " +
                        versions.stream().map(v -> "V" + v).collect(Collectors.joining(", ")) + " applied)"));
                return 0;
            }
            catch (final RuntimeException | SQLException e)
            {
                System.out.println("database: does not answer: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "stop", mixinStandardHelpOptions = true,
        description = "Stops the embedded PostgreSQL when no tickreplay process owns it (one left behind by kill -9); exit 1 when a process owns it.")
    static final class Stop implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @Override
        public Integer call() throws Exception
        {
            final Path data = embeddedDir(common.settings(Map.of()));
            if (data == null)
            {
                throw new UsageException("db.url names an external server: stop it with its own tools");
            }
            final Optional<Long> pid = livePostmaster(data);
            if (pid.isEmpty())
            {
                System.out.println("embedded PostgreSQL in " + data + ": not running");
                return 0;
            }
            if (ownedByAProcess(data))
            {
                System.err.println("tickreplay db stop: the embedded PostgreSQL in " + data + " belongs to a running tickreplay process " +
                    "(serve, demo, ...): stop that process (Ctrl-C), it stops the server");
                return 1;
            }
            // SIGINT: PostgreSQL's fast shutdown (clients disconnected, a clean checkpoint)
            new ProcessBuilder("kill", "-INT", String.valueOf(pid.get())).inheritIO().start().waitFor();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.exists(data.resolve("postmaster.pid")) && System.nanoTime() < deadline)
            {
                Thread.sleep(100);
            }
            if (Files.exists(data.resolve("postmaster.pid")))
            {
                System.err.println("tickreplay db stop: postmaster " + pid.get() + " did not stop within 60 s");
                return 1;
            }
            System.out.println("embedded PostgreSQL in " + data + ": stopped (was pid " + pid.get() + ")");
            return 0;
        }
    }

    @Command(name = "psql", mixinStandardHelpOptions = true,
        description = "A SQL prompt on the database (the system's psql); without psql, prints the connection string and keeps the server up until Ctrl-C.")
    static final class Psql implements Callable<Integer>
    {
        @Mixin
        CommonOptions common;

        @picocli.CommandLine.Parameters(paramLabel = "PSQL_ARGS", arity = "0..*", description = "Passed to psql after the URL, e.g. -- -c 'SELECT 1'.")
        List<String> psqlArgs = new ArrayList<>();

        @Override
        public Integer call() throws Exception
        {
            final Settings settings = common.settings(Map.of());
            try (Database db = Database.open(settings.string("db.url"), embeddedDir(settings), 1))
            {
                final String libpq = libpqUrl(db);
                final Optional<Path> psql = onPath("psql");
                if (psql.isEmpty())
                {
                    System.out.println(libpq);
                    System.err.println("tickreplay db psql: no psql on the PATH (Debian: apt-get install postgresql-client); connect any client to " +
                        "the URL above. Ctrl-C to stop" + (db.embedded() ? " (the embedded server stays up until then)" : ""));
                    ServeCommand.awaitStop();
                    return 0;
                }
                // the password goes in psql's environment, not on its command line where ps shows it to everyone
                final Matcher secret = Pattern.compile(":([^:@/]*)@").matcher(libpq);
                final List<String> command = new ArrayList<>(List.of(psql.get().toString(),
                    secret.find() ? libpq.substring(0, secret.start()) + libpq.substring(secret.end() - 1) : libpq));
                command.addAll(psqlArgs);
                final ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
                if (secret.find(0))
                {
                    builder.environment().put("PGPASSWORD", URLDecoder.decode(secret.group(1), StandardCharsets.UTF_8));
                }
                return builder.start().waitFor();
            }
        }

        /** jdbc:postgresql://host:port/db?user=u&password=p as libpq's postgresql://u:p@host:port/db. */
        static String libpqUrl(final Database db)
        {
            final String jdbc = db.url().substring("jdbc:".length());
            final int q = jdbc.indexOf('?');
            final String base = q < 0 ? jdbc : jdbc.substring(0, q);
            String user = null;
            String password = null;
            final StringBuilder rest = new StringBuilder();
            if (q >= 0)
            {
                for (final String kv : jdbc.substring(q + 1).split("&"))
                {
                    final int eq = kv.indexOf('=');
                    final String k = eq < 0 ? kv : kv.substring(0, eq);
                    final String v = eq < 0 ? "" : kv.substring(eq + 1);
                    switch (k)
                    {
                        case "user" -> user = v;
                        case "password" -> password = v;
                        case "currentSchema" -> rest.append(rest.length() == 0 ? "?" : "&").append("options=-csearch_path%3D").append(v);
                        default -> { } // driver settings libpq does not know
                    }
                }
            }
            final String auth = user == null ? "" : user + (password == null ? "" : ":" + password) + "@";
            return "postgresql://" + auth + base.substring("postgresql://".length()) + rest;
        }

        private static Optional<Path> onPath(final String program)
        {
            for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            {
                final Path candidate = Path.of(dir, program);
                if (Files.isExecutable(candidate))
                {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        }
    }
}
