package io.tickreplay.adapters.postgres;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

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

    private final EmbeddedPostgres owned;
    private final int port;
    private final Path dataDirectory;

    private EmbeddedPostgresServer(final EmbeddedPostgres owned, final int port, final Path dataDirectory)
    {
        this.owned = owned;
        this.port = port;
        this.dataDirectory = dataDirectory;
    }

    /** Attaches to the server running on {@code dataDirectory}, or starts one there (creating the cluster the first time). */
    public static EmbeddedPostgresServer startOrAttach(final Path dataDirectory)
    {
        final Path data = dataDirectory.toAbsolutePath().normalize();
        try
        {
            Files.createDirectories(data.getParent());
            final Path lockFile = data.resolveSibling(data.getFileName() + ".lock");
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = channel.lock())
            {
                final Optional<Integer> running = runningPort(data);
                if (running.isPresent())
                {
                    return new EmbeddedPostgresServer(null, running.get(), data);
                }
                final EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(data)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setLocaleConfig("locale", "C")
                    .setLocaleConfig("encoding", "UTF8");
                SERVER_CONFIG.forEach(builder::setServerConfig);
                final EmbeddedPostgres postgres = builder.start();
                return new EmbeddedPostgresServer(postgres, postgres.getPort(), data);
            }
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL in " + data + ": " + e.getMessage(), e);
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
        if (owned != null)
        {
            try
            {
                owned.close();
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
