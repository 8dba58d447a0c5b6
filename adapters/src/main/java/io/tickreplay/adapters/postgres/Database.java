package io.tickreplay.adapters.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store: a pooled connection to PostgreSQL (an external server by URL, or the embedded one),
 * with the schema migrated on open.
 *
 * <p>Thread-safe; one per process. Closing it closes the pool and stops the embedded server if this
 * process started it.
 */
public final class Database implements AutoCloseable
{
    /**
     * How the process talks to the server. {@code size}: connections of the main pool (replays' readers
     * and writers, exports, job rows); {@code readSize}: a pool of its own for the API's reads, so that
     * charts and lists never wait behind replays; {@code connectTimeout}: to open a connection;
     * {@code socketTimeout}: the longest wait for the server's answer on an open one (0: none), so a
     * server that vanished from the network fails what waits on it; {@code acquireTimeout}: the longest
     * wait for a pooled connection.
     */
    public record Pools(int size, int readSize, Duration connectTimeout, Duration socketTimeout, Duration acquireTimeout)
    {
        public static Pools of(final int size)
        {
            return new Pools(size, 2, Duration.ofSeconds(5), Duration.ofSeconds(120), Duration.ofSeconds(10));
        }
    }

    private final HikariDataSource pool;
    private final HikariDataSource reads;
    private final EmbeddedPostgresServer embedded;
    private final String url;
    private final List<Integer> migrationsApplied;
    private DatabaseHealth health;

    private Database(final HikariDataSource pool, final HikariDataSource reads, final EmbeddedPostgresServer embedded, final String url,
        final List<Integer> applied)
    {
        this.pool = pool;
        this.reads = reads;
        this.embedded = embedded;
        this.url = url;
        this.migrationsApplied = applied;
    }

    /**
     * Opens the database at {@code jdbcUrl}, or the embedded one under {@code embeddedDataDirectory}
     * when the URL is null or blank, and brings its schema up to date.
     */
    public static Database open(final String jdbcUrl, final Path embeddedDataDirectory, final int poolSize)
    {
        return open(jdbcUrl, embeddedDataDirectory, Pools.of(poolSize));
    }

    public static Database open(final String jdbcUrl, final Path embeddedDataDirectory, final Pools pools)
    {
        EmbeddedPostgresServer embedded = null;
        HikariDataSource pool = null;
        HikariDataSource reads = null;
        try
        {
            final String url;
            if (jdbcUrl == null || jdbcUrl.isBlank())
            {
                embedded = EmbeddedPostgresServer.startOrAttach(embeddedDataDirectory);
                url = embedded.jdbcUrl();
            }
            else
            {
                if (!jdbcUrl.startsWith("jdbc:postgresql:"))
                {
                    throw new IllegalArgumentException("--db-url must be a JDBC PostgreSQL URL (jdbc:postgresql://host:port/db?user=..), was: " + redact(jdbcUrl));
                }
                url = jdbcUrl;
            }
            try
            {
                pool = new HikariDataSource(config(url, "tickreplay", pools.size(), 1, pools));
                reads = new HikariDataSource(config(url, "tickreplay-reads", pools.readSize(), 0, pools));
                // API reads queue for each other (many clients, a few connections) rather than fail: a read of 100,000
                // rows takes seconds on a busy machine, and twenty of them in line take minutes (LoadIT)
                reads.setConnectionTimeout(Math.max(120_000, pools.acquireTimeout().toMillis()));
            }
            catch (final RuntimeException e)
            {
                throw new IllegalStateException("cannot connect to " + redact(url) + ": " + rootMessage(e), e);
            }
            final List<Integer> applied = Migrations.apply(pool);
            SignalRowsMigration.run(pool); // an old store's signals into their runs' partitions (docs/runs.md); nothing once done
            return new Database(pool, reads, embedded, url, applied);
        }
        catch (final SQLException e)
        {
            closeQuietly(pool, reads, embedded);
            throw new IllegalStateException("cannot prepare the schema: " + e.getMessage(), e);
        }
        catch (final RuntimeException e)
        {
            closeQuietly(pool, reads, embedded);
            throw e;
        }
    }

    private static HikariConfig config(final String url, final String name, final int size, final int minIdle, final Pools pools)
    {
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(minIdle);
        config.setPoolName(name);
        config.setInitializationFailTimeout(10_000);
        config.setConnectionTimeout(pools.acquireTimeout().toMillis());
        config.setValidationTimeout(Math.min(5_000, pools.acquireTimeout().toMillis() / 2));
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        config.addDataSourceProperty("ApplicationName", "tickreplay");
        config.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, pools.connectTimeout().toSeconds())));
        config.addDataSourceProperty("loginTimeout", String.valueOf(Math.max(1, pools.connectTimeout().toSeconds())));
        config.addDataSourceProperty("socketTimeout", String.valueOf(pools.socketTimeout().toSeconds()));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        return config;
    }

    /**
     * A second, separate pool on the same server whose unqualified table names resolve to
     * {@code schema} (created if missing, migrated like the main one): scratch space for the bench
     * and tests that must not touch the user's tables. Closing it leaves the server running.
     */
    public Database inSchema(final String schema, final int poolSize)
    {
        if (!schema.matches("[a-z_][a-z0-9_]*"))
        {
            throw new IllegalArgumentException("schema name must be a lower-case identifier: " + schema);
        }
        try (Connection connection = pool.getConnection(); Statement statement = connection.createStatement())
        {
            statement.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("cannot create schema " + schema + ": " + e.getMessage(), e);
        }
        final String scoped = url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
        return open(scoped, null, poolSize);
    }

    /** The JDBC URL this pool connects to (it may carry a password: never print it, see {@link #describe()}). */
    public String url()
    {
        return url;
    }

    /** The server's version string, for benchmark reports. */
    public String serverVersion() throws SQLException
    {
        try (Connection connection = pool.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SHOW server_version"))
        {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Runs {@code SELECT 1}: throws when the database does not answer (the health check). */
    public void ping() throws SQLException
    {
        try (Connection connection = pool.getConnection();
             Statement statement = connection.createStatement();
             ResultSet rs = statement.executeQuery("SELECT 1"))
        {
            rs.next();
        }
    }

    public DataSource dataSource()
    {
        return pool;
    }

    /** The pool of the API's reads (charts, lists): separate, so that they never wait behind replays and exports. */
    public DataSource reads()
    {
        return reads;
    }

    /** The health probe of this database, started on first use and stopped on {@link #close()}. */
    public synchronized DatabaseHealth health()
    {
        if (health == null)
        {
            health = new DatabaseHealth(url);
            health.start();
        }
        return health;
    }

    /** The embedded server, or null when the URL names an external one. */
    public EmbeddedPostgresServer embeddedServer()
    {
        return embedded;
    }

    public Connection connection() throws SQLException
    {
        return pool.getConnection();
    }

    /** The URL without any password, for logs and the effective configuration. */
    public String describe()
    {
        final String where = redact(url);
        if (embedded == null)
        {
            return where;
        }
        return where + " (embedded PostgreSQL, data in " + embedded.dataDirectory() + (embedded.owner() ? ")" : ", attached to a running server)");
    }

    /** The versions recorded in {@code schema_migrations}, oldest first: the schema this database has. */
    public List<Integer> schemaVersions() throws SQLException
    {
        final List<Integer> out = new ArrayList<>();
        try (Connection connection = pool.getConnection(); Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM schema_migrations ORDER BY version"))
        {
            while (rs.next())
            {
                out.add(rs.getInt(1));
            }
        }
        return out;
    }

    public List<Integer> migrationsApplied()
    {
        return migrationsApplied;
    }

    public boolean embedded()
    {
        return embedded != null;
    }

    @Override
    public void close()
    {
        synchronized (this)
        {
            if (health != null)
            {
                health.close();
            }
        }
        closeQuietly(pool, reads, embedded);
    }

    private static void closeQuietly(final HikariDataSource pool, final HikariDataSource reads, final EmbeddedPostgresServer embedded)
    {
        if (reads != null)
        {
            reads.close();
        }
        if (pool != null)
        {
            pool.close();
        }
        if (embedded != null)
        {
            embedded.close();
        }
    }

    static String redact(final String url)
    {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//([^/:@]+):([^@/]+)@", "//$1:***@");
    }

    private static String rootMessage(final Throwable e)
    {
        Throwable t = e;
        while (t.getCause() != null)
        {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
