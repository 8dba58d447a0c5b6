package io.tickreplay.adapters.postgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real embedded PostgreSQL per test JVM, in a temporary directory, stopped and deleted at JVM exit
 * (a run of the integration tests writes gigabytes there; left behind, they fill the disk). Each test
 * class takes a schema of its own ({@link #freshSchema}) so that classes do not see each other's rows.
 */
public final class PostgresTestSupport
{
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static Database server;
    private static Path dataDirectory;

    private PostgresTestSupport()
    {
    }

    /** The shared server's database (public schema), started on first use. */
    public static synchronized Database server()
    {
        if (server == null)
        {
            try
            {
                dataDirectory = Files.createTempDirectory("tickreplay-it-pg");
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
            server = Database.open(null, dataDirectory.resolve("pg"), 4);
            final Path dir = dataDirectory;
            Runtime.getRuntime().addShutdownHook(new Thread(() ->
            {
                try
                {
                    server.close();
                }
                finally
                {
                    // the postmaster writes its shutdown checkpoint and stats after the stop request returns: wait for it to be gone
                    awaitGone(dir.resolve("pg").resolve("postmaster.pid"));
                    deleteTree(dir);
                    if (Files.exists(dir))
                    {
                        pause(1000); // a last file written meanwhile: once more
                        deleteTree(dir);
                    }
                }
            }, "stop-test-postgres"));
        }
        return server;
    }

    /** A new, migrated, empty schema on the shared server; close it when done (the schema stays). */
    public static Database freshSchema(final String prefix)
    {
        return freshSchema(prefix, 4);
    }

    /** As {@link #freshSchema(String)} with a main pool of {@code poolSize} connections (a paced run with writers holds several for its length). */
    public static Database freshSchema(final String prefix, final int poolSize)
    {
        final String schema = (prefix + "_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet()).toLowerCase();
        return server().inSchema(schema, poolSize);
    }

    /** The JDBC URL of the shared server, scoped to {@code schema} when it is not null. */
    public static String url(final Database db)
    {
        return db.url();
    }

    private static void awaitGone(final Path file)
    {
        final long deadline = System.nanoTime() + 15_000_000_000L;
        while (Files.exists(file) && System.nanoTime() < deadline)
        {
            try
            {
                Thread.sleep(50);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
        pause(300);
    }

    private static void pause(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(final Path dir)
    {
        try (var paths = Files.walk(dir))
        {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        catch (final IOException | UncheckedIOException e)
        {
            System.err.println("could not delete the test database in " + dir + ": " + e.getMessage());
        }
    }

    public static Path dataDirectory()
    {
        server();
        return dataDirectory;
    }
}
