package io.tickreplay.adapters.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The embedded default database: a real PostgreSQL (zonky's binaries from a Maven jar) whose data
 * lives in a directory of ours ({@code ./data/pg} by default) and survives between runs.
 *
 * <p>A second process that finds the server already running on that directory (a {@code serve} in
 * one terminal, an {@code export} in another) connects to it instead of starting another: it reads
 * the port from PostgreSQL's own {@code postmaster.pid}. Start-or-attach is serialised by a file
 * lock beside the data directory, so two processes starting together do not race. Only the process
 * that started the server stops it, on {@link #close()}.
 */
public final class EmbeddedPostgresServer implements AutoCloseable
{
    /** Settings for a single-user analytics box: big WAL, few checkpoints, commits that do not wait for the disk. */
    static final Map<String, String> SERVER_CONFIG = Map.of(
        "max_wal_size", "1GB",
        "checkpoint_timeout", "30min",
        "shared_buffers", "256MB",
        "synchronous_commit", "off",
        "max_connections", "100",
        "listen_addresses", "localhost");

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final Duration ATTACH_PATIENCE = Duration.ofSeconds(60);

    private volatile EmbeddedPostgres owned;
    private final int port;
    private final Path dataDirectory;
    private volatile boolean closed;
    private Thread supervisor;

    private EmbeddedPostgresServer(final EmbeddedPostgres owned, final int port, final Path dataDirectory)
    {
        this.owned = owned;
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Attaches to the server running on {@code dataDirectory}, or starts one there (creating the cluster the
     * first time). When another process owns the directory but its server is down (its supervisor is
     * restarting it), waits for it rather than failing on PostgreSQL's lock.
     */
    public static EmbeddedPostgresServer startOrAttach(final Path dataDirectory)
    {
        final Path data = dataDirectory.toAbsolutePath().normalize();
        final long deadline = System.nanoTime() + ATTACH_PATIENCE.toNanos();
        while (true)
        {
            try
            {
                return startOrAttachOnce(data);
            }
            catch (final RuntimeException e)
            {
                // PostgreSQL's own lock (zonky's epg-lock) is held by the process that owns the directory
                final boolean heldByOther = String.valueOf(e.getMessage()).contains("could not lock");
                if (!heldByOther)
                {
                    throw e;
                }
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("the embedded PostgreSQL in " + data + " belongs to a running tickreplay process whose " +
                        "server did not come back within " + ATTACH_PATIENCE.toSeconds() + " s: stop that process", e);
                }
                sleep(500);
            }
        }
    }

    private static EmbeddedPostgresServer startOrAttachOnce(final Path data)
    {
        try
        {
            Files.createDirectories(data.getParent());
            try (FileChannel channel = FileChannel.open(lockFile(data), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock())
            {
                final Optional<Integer> running = runningPort(data);
                if (running.isPresent())
                {
                    return new EmbeddedPostgresServer(null, running.get(), data);
                }
                final EmbeddedPostgres postgres = start(data, 0);
                return new EmbeddedPostgresServer(postgres, postgres.getPort(), data);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + data + ": " + e.getMessage(), e);
        }
    }

    private static Path lockFile(final Path data)
    {
        return data.resolveSibling(data.getFileName() + ".lock");
    }

    private static EmbeddedPostgres start(final Path data, final int port) throws IOException
    {
        final EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setLocaleConfig("locale", "C")
            .setLocaleConfig("encoding", "UTF8");
        if (port != 0)
        {
            builder.setPort(port);
        }
        SERVER_CONFIG.forEach(builder::setServerConfig);
        return builder.start();
    }

    /**
     * Watches the server this process started and starts it again, on the same port and data, if it dies
     * (PostgreSQL recovers from its WAL): the pools reconnect by themselves, what was running when it died
     * fails with the driver's message. A daemon thread; no-op when this process only attached.
     */
    public synchronized void supervise()
    {
        if (owned == null || supervisor != null)
        {
            return;
        }
        supervisor = new Thread(this::watch, "pg-supervisor");
        supervisor.setDaemon(true);
        supervisor.start();
    }

    private void watch()
    {
        while (!closed)
        {
            sleep(500);
            if (closed || postmasterAlive())
            {
                continue;
            }
            LOG.warn("the embedded PostgreSQL in {} died: starting it again on port {}", dataDirectory, port);
            try (FileChannel channel = FileChannel.open(lockFile(dataDirectory), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock())
            {
                synchronized (this)
                {
                    if (closed)
                    {
                        return;
                    }
                    closeQuietly(owned); // releases PostgreSQL's own lock on the directory
                    owned = start(dataDirectory, port);
                }
                LOG.warn("the embedded PostgreSQL in {} is back on port {}", dataDirectory, port);
            }
            catch (final IOException | RuntimeException e)
            {
                LOG.error("the embedded PostgreSQL in {} could not be started again: {}; trying again", dataDirectory, e.getMessage());
            }
        }
    }

    private boolean postmasterAlive()
    {
        try
        {
            return postmasterPid(dataDirectory).flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
        }
        catch (final IOException e)
        {
            return false;
        }
    }

    /** The postmaster's pid from {@code postmaster.pid}, when the file is there. */
    public static Optional<Long> postmasterPid(final Path data) throws IOException
    {
        final Path pidFile = data.toAbsolutePath().normalize().resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile))
        {
            return Optional.empty();
        }
        final List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        try
        {
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
        }
        catch (final NumberFormatException e)
        {
            return Optional.empty();
        }
    }

    private static void closeQuietly(final EmbeddedPostgres postgres)
    {
        try
        {
            postgres.close();
        }
        catch (final IOException | RuntimeException e)
        {
            LOG.debug("closing the dead server's handle: {}", e.getMessage());
        }
    }

    private static void sleep(final long millis)
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

    public String jdbcUrl()
    {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    public int port()
    {
        return port;
    }

    public Path dataDirectory()
    {
        return dataDirectory;
    }

    /** True when this process started the server (and will stop it); false when it attached to another's. */
    public boolean owner()
    {
        return owned != null;
    }

    @Override
    public void close()
    {
        final EmbeddedPostgres postgres;
        synchronized (this)
        {
            closed = true;
            postgres = owned;
        }
        if (postgres != null)
        {
            try
            {
                postgres.close();
            }
            catch (final IOException e)
            {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The port of a live server on {@code data}, from its {@code postmaster.pid}: pid on line 1, port on line 4. */
    static Optional<Integer> runningPort(final Path data) throws IOException
    {
        final Path pidFile = data.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile))
        {
            return Optional.empty();
        }
        final List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        if (lines.size() < 4)
        {
            return Optional.empty();
        }
        final long pid;
        final int port;
        try
        {
            pid = Long.parseLong(lines.get(0).strip());
            port = Integer.parseInt(lines.get(3).strip());
        }
        catch (final NumberFormatException e)
        {
            return Optional.empty();
        }
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && accepts(port))
        {
            return Optional.of(port);
        }
        return Optional.empty();
    }

    private static boolean accepts(final int port)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("localhost", port), 1000);
            return true;
        }
        catch (final IOException e)
        {
            return false;
        }
    }
}
