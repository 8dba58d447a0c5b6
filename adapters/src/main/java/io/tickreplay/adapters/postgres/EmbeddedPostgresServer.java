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
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
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
 *
 * <p>The server asks for a password: every connection, TCP or Unix socket, authenticates with
 * SCRAM-SHA-256 as {@code postgres}. The password is generated the first time (24 random bytes),
 * kept in {@code <data directory>.password} (mode 0600, beside the lock file, e.g.
 * {@code data/pg.password}), set on the role and written into {@code pg_hba.conf} in place of
 * initdb's {@code trust} at each start that finds it there. zonky's readiness check connects with the
 * same password, which it is given as a connection setting.
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
    private final String password;
    private volatile boolean closed;
    private Thread supervisor;

    private EmbeddedPostgresServer(final EmbeddedPostgres owned, final int port, final Path dataDirectory, final String password)
    {
        this.owned = owned;
        this.port = port;
        this.dataDirectory = dataDirectory;
        this.password = password;
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
                final String password = password(data);
                final Optional<Integer> running = runningPort(data);
                if (running.isPresent())
                {
                    return new EmbeddedPostgresServer(null, running.get(), data, password);
                }
                final EmbeddedPostgres postgres = start(data, 0, password);
                return new EmbeddedPostgresServer(postgres, postgres.getPort(), data, password);
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

    /** The password file of {@code data}: beside the lock file, outside PostgreSQL's own directory. */
    static Path passwordFile(final Path data)
    {
        return data.resolveSibling(data.getFileName() + ".password");
    }

    /**
     * The server's password: read from its file, or generated and written (0600, whole or not at all)
     * the first time. A cluster that already asks for passwords (no {@code trust} left in its
     * {@code pg_hba.conf}) but whose file is gone cannot be entered: say how to recover.
     */
    static String password(final Path data) throws IOException
    {
        final Path file = passwordFile(data);
        if (Files.isRegularFile(file))
        {
            final String stored = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!stored.isEmpty())
            {
                return stored;
            }
        }
        final Path hba = data.resolve("pg_hba.conf");
        if (Files.isRegularFile(hba) && !trusting(Files.readString(hba, StandardCharsets.UTF_8)))
        {
            throw new IllegalStateException("the embedded PostgreSQL in " + data + " asks for a password but its file " + file +
                " is gone: put it back, or write 'trust' for 'scram-sha-256' in " + hba + " and start again (a new password is made)");
        }
        final byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        final String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        final Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(temp);
        if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix"))
        {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------")));
        }
        else
        {
            Files.createFile(temp);
        }
        Files.writeString(temp, generated + "\n", StandardCharsets.UTF_8);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return generated;
    }

    private static boolean trusting(final String hba)
    {
        return hba.lines().map(String::strip).anyMatch(l -> !l.startsWith("#") && l.matches(".*\\strust\\s*$"));
    }

    private static EmbeddedPostgres start(final Path data, final int port, final String password) throws IOException
    {
        final EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
            .setDataDirectory(data)
            .setCleanDataDirectory(false)
            .setPGStartupWait(Duration.ofSeconds(60))
            .setLocaleConfig("locale", "C")
            .setLocaleConfig("encoding", "UTF8")
            .setConnectConfig("password", password); // zonky's readiness check logs in with it too
        if (port != 0)
        {
            builder.setPort(port);
        }
        SERVER_CONFIG.forEach(builder::setServerConfig);
        final EmbeddedPostgres postgres = builder.start();
        try
        {
            requirePassword(postgres, data, password);
        }
        catch (final IOException | SQLException | RuntimeException e)
        {
            closeQuietly(postgres);
            throw new IOException("cannot set the embedded PostgreSQL's password in " + data + ": " + e.getMessage(), e);
        }
        return postgres;
    }

    /**
     * On a cluster initdb made with {@code trust} (a new one, or one from before passwords): sets the
     * role's password, then puts SCRAM-SHA-256 in place of every {@code trust} in {@code pg_hba.conf} and
     * reloads. Nothing to do on a cluster that already asks.
     */
    private static void requirePassword(final EmbeddedPostgres postgres, final Path data, final String password)
        throws IOException, SQLException
    {
        final Path hba = data.resolve("pg_hba.conf");
        final String rules = Files.readString(hba, StandardCharsets.UTF_8);
        if (!trusting(rules))
        {
            return;
        }
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement st = c.createStatement())
        {
            st.execute("SET password_encryption = 'scram-sha-256'");
            // the password is base64url: no quote can end the literal
            st.execute("ALTER ROLE postgres PASSWORD '" + password + "'");
            final StringBuilder secured = new StringBuilder();
            for (final String line : rules.split("\n", -1))
            {
                final String stripped = line.strip();
                secured.append(!stripped.startsWith("#") && stripped.matches(".*\\strust\\s*$")
                    ? line.replaceFirst("trust\\s*$", "scram-sha-256") : line).append('\n');
            }
            final Path temp = hba.resolveSibling("pg_hba.conf.tmp");
            Files.writeString(temp, secured.substring(0, secured.length() - 1), StandardCharsets.UTF_8);
            Files.move(temp, hba, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            st.execute("SELECT pg_reload_conf()");
        }
        LOG.info("the embedded PostgreSQL in {} now asks for the password kept in {}", data, passwordFile(data));
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
                    owned = start(dataDirectory, port, password);
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
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres&password=" + password;
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
