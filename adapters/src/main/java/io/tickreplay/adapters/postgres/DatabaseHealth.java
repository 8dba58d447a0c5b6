package io.tickreplay.adapters.postgres;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * Whether the database answers, known before anyone asks: a daemon thread runs {@code SELECT 1} every
 * {@value #PERIOD_MS} ms on a connection of its own (never one of the pool's, which may all be busy or
 * waiting on a dead server), with one-second connect and read timeouts. {@code /health} reads the last
 * answer, so it answers at once whatever the database does: a server that is down, stopped, or gone from
 * the network is reported within about a second, with the driver's reason. A probe that fails by timing out
 * within {@value #GRACE_MS} ms of a good one is not an outage: on a loaded two-core machine a server busy with
 * eight COPYs can take longer than a second to accept a connection, and {@code /health} flipping to 503 for
 * that would send a load balancer away from a server that is working. A refusal (a server down or restarting)
 * fails fast and is reported at once. Started by {@link #start()}, stopped by
 * {@link #close()}. Thread-safe.
 */
public final class DatabaseHealth implements AutoCloseable
{
    private static final long PERIOD_MS = 500;
    private static final long GRACE_MS = 3_000;
    private static final long STALE_NANOS = TimeUnit.MILLISECONDS.toNanos(GRACE_MS);
    /** A probe that failed after this long timed out (its timeouts are one second), rather than being refused. */
    private static final long SLOW_NANOS = TimeUnit.MILLISECONDS.toNanos(900);

    /** The last probe: {@code ok}, the reason when not, and when it was taken ({@link System#nanoTime()}). */
    public record State(boolean ok, String reason, long atNanos)
    {
        /** Up: the last probe answered, and it is recent. */
        public boolean up()
        {
            return ok && System.nanoTime() - atNanos < STALE_NANOS;
        }

        public String describe()
        {
            if (up())
            {
                return "ok";
            }
            final long ago = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - atNanos);
            return ok ? "no answer for " + ago + " ms" : reason;
        }
    }

    private final String url;
    private final Thread thread;
    private volatile State state = new State(false, "not checked yet", System.nanoTime());
    private volatile boolean running = true;
    private Connection connection;

    DatabaseHealth(final String url)
    {
        this.url = url;
        this.thread = new Thread(this::loop, "db-health");
        this.thread.setDaemon(true);
    }

    void start()
    {
        probe(); // the first answer before anyone reads it
        thread.start();
    }

    public State state()
    {
        return state;
    }

    private void loop()
    {
        while (running)
        {
            try
            {
                Thread.sleep(PERIOD_MS);
            }
            catch (final InterruptedException e)
            {
                return;
            }
            probe();
        }
        closeConnection();
    }

    private void probe()
    {
        final long began = System.nanoTime();
        try
        {
            if (connection == null)
            {
                final Properties p = new Properties();
                p.setProperty("connectTimeout", "1");
                p.setProperty("loginTimeout", "1");
                p.setProperty("socketTimeout", "1");
                p.setProperty("ApplicationName", "tickreplay-health");
                connection = DriverManager.getConnection(url, p);
            }
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT 1"))
            {
                rs.next();
            }
            state = new State(true, null, System.nanoTime());
        }
        catch (final SQLException | RuntimeException e)
        {
            closeConnection();
            final State last = state;
            final long now = System.nanoTime();
            if (now - began >= SLOW_NANOS && last.ok && now - last.atNanos < STALE_NANOS)
            {
                return; // a slow answer is not an outage: up() turns false by itself once the last good answer is stale
            }
            state = new State(false, e.getMessage() == null ? e.toString() : e.getMessage(), now);
        }
    }

    private void closeConnection()
    {
        if (connection != null)
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ignored)
            {
                // it is being dropped because it failed
            }
            connection = null;
        }
    }

    @Override
    public void close()
    {
        running = false;
        thread.interrupt();
    }
}
