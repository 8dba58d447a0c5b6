package io.tickreplay.adapters.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code job_schedules} table: one row per scheduled replay, its request and window kept as the JSON the
 * API took. A due fire is claimed by moving {@code next_fire_at} with a compare-and-set on its old value
 * ({@link #claim}), so that of several processes polling one database exactly one starts it. One statement
 * per call, on the caller's thread; thread-safe.
 */
public final class JobScheduleStore
{
    private static final String COLUMNS =
        "id, name, cron, zone, request::text, time_window::text, misfire, next_fire_at, last_fire_at, last_run_id, last_outcome, created_at";

    private final DataSource dataSource;

    public JobScheduleStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** A row of {@code job_schedules}; {@code request} and {@code window} are JSON objects as text. */
    public record Schedule(long id, String name, String cron, String zone, String request, String window, String misfire, Instant nextFireAt,
        Instant lastFireAt, Long lastRunId, String lastOutcome, Instant createdAt)
    {
    }

    /** A schedule of that name exists already. */
    public static final class DuplicateName extends SQLException
    {
        private static final long serialVersionUID = 1L;

        DuplicateName(final String name, final SQLException cause)
        {
            super("a schedule named '" + name + "' exists already", cause.getSQLState(), cause);
        }
    }

    public Schedule insert(final String name, final String cron, final String zone, final String request, final String window, final String misfire,
        final Instant nextFireAt) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO job_schedules (name, cron, zone, request, time_window, misfire, next_fire_at) " +
                 "VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?, ?) RETURNING " + COLUMNS))
        {
            insert.setString(1, name);
            insert.setString(2, cron);
            insert.setString(3, zone);
            insert.setString(4, request);
            insert.setString(5, window);
            insert.setString(6, misfire);
            insert.setObject(7, timestamp(nextFireAt));
            try (ResultSet rs = insert.executeQuery())
            {
                rs.next();
                return row(rs);
            }
        }
        catch (final SQLException e)
        {
            if ("23505".equals(e.getSQLState()))
            {
                throw new DuplicateName(name, e);
            }
            throw e;
        }
    }

    /** Every schedule, oldest first. */
    public List<Schedule> list() throws SQLException
    {
        return select("SELECT " + COLUMNS + " FROM job_schedules ORDER BY id", null);
    }

    /** The schedules whose next fire time is at or before {@code now}, earliest first. */
    public List<Schedule> due(final Instant now) throws SQLException
    {
        return select("SELECT " + COLUMNS + " FROM job_schedules WHERE next_fire_at <= ? ORDER BY next_fire_at, id", now);
    }

    public Optional<Schedule> find(final long id) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM job_schedules WHERE id = ?"))
        {
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery())
            {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /** Removes a schedule; false when there was none. A run it started goes on. */
    public boolean delete(final long id) throws SQLException
    {
        try (Connection c = dataSource.getConnection(); PreparedStatement delete = c.prepareStatement("DELETE FROM job_schedules WHERE id = ?"))
        {
            delete.setLong(1, id);
            return delete.executeUpdate() == 1;
        }
    }

    /**
     * Takes the fire due at {@code expectedNext}: moves the schedule to {@code newNext} and records the
     * outcome, only if no one moved it first. {@code firedAt}: the fire time a run is started for (null when
     * none is, as when the fire is skipped). True when this caller won the fire.
     */
    public boolean claim(final long id, final Instant expectedNext, final Instant newNext, final Instant firedAt, final String outcome) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE job_schedules SET next_fire_at = ?, last_fire_at = coalesce(?, last_fire_at), " +
                 "last_outcome = ? WHERE id = ? AND next_fire_at = ?"))
        {
            update.setObject(1, timestamp(newNext));
            if (firedAt == null)
            {
                update.setNull(2, Types.TIMESTAMP_WITH_TIMEZONE);
            }
            else
            {
                update.setObject(2, timestamp(firedAt));
            }
            update.setString(3, outcome);
            update.setLong(4, id);
            update.setObject(5, timestamp(expectedNext));
            return update.executeUpdate() == 1;
        }
    }

    /** Records what a fire did: the run it started (null when none) and the outcome, said in words. */
    public void recordOutcome(final long id, final Long runId, final String outcome) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE job_schedules SET last_run_id = coalesce(?, last_run_id), last_outcome = ? WHERE id = ?"))
        {
            if (runId == null)
            {
                update.setNull(1, Types.BIGINT);
            }
            else
            {
                update.setLong(1, runId);
            }
            update.setString(2, outcome);
            update.setLong(3, id);
            update.executeUpdate();
        }
    }

    private List<Schedule> select(final String sql, final Instant at) throws SQLException
    {
        final List<Schedule> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement select = c.prepareStatement(sql))
        {
            if (at != null)
            {
                select.setObject(1, timestamp(at));
            }
            try (ResultSet rs = select.executeQuery())
            {
                while (rs.next())
                {
                    out.add(row(rs));
                }
            }
        }
        return out;
    }

    private static Schedule row(final ResultSet rs) throws SQLException
    {
        final long lastRun = rs.getLong(10);
        final boolean noRun = rs.wasNull();
        return new Schedule(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7),
            instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), noRun ? null : lastRun, rs.getString(11), instant(rs.getTimestamp(12)));
    }

    private static Instant instant(final Timestamp t)
    {
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime timestamp(final Instant instant)
    {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
