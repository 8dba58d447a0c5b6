package io.tickreplay.adapters.postgres;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.sql.Array;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code job_runs} table: one row per replay or export, with the seed's fields. Progress is
 * written in batches by the caller (about once a second), never per tick. Thread-safe.
 */
public final class JobRunStore
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };
    private static final String COLUMNS =
        "id, job_name, provider, status, symbols, rows_written, min_ts, max_ts, started_at, completed_at, error_message, metadata";

    private final DataSource dataSource;

    public JobRunStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** A row of {@code job_runs}. */
    public record JobRun(
        long id,
        String jobName,
        String provider,
        String status,
        List<String> symbols,
        long rowsWritten,
        Instant minTs,
        Instant maxTs,
        Instant startedAt,
        Instant completedAt,
        String errorMessage,
        Map<String, Object> metadata)
    {
    }

    public long insert(final String jobName, final String provider, final String status, final List<String> symbols,
        final Instant minTs, final Map<String, Object> metadata) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement(
                 "INSERT INTO job_runs (job_name, provider, status, symbols, min_ts, metadata) VALUES (?, ?, ?, ?, ?, ?::jsonb) RETURNING id"))
        {
            insert.setString(1, jobName);
            insert.setString(2, provider);
            insert.setString(3, status);
            insert.setArray(4, c.createArrayOf("text", symbols.toArray()));
            setInstant(insert, 5, minTs);
            insert.setString(6, json(metadata));
            try (ResultSet rs = insert.executeQuery())
            {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Progress of a running job: rows so far, the newest timestamp, the status (running or paused). */
    public void progress(final long id, final long rowsWritten, final Instant maxTs, final String status) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement(
                 "UPDATE job_runs SET rows_written = ?, max_ts = coalesce(?, max_ts), status = ? WHERE id = ? AND completed_at IS NULL"))
        {
            update.setLong(1, rowsWritten);
            setInstant(update, 2, maxTs);
            update.setString(3, status);
            update.setLong(4, id);
            update.executeUpdate();
        }
    }

    /** The end of a job: final status, counts, error and more metadata (merged into what is there). */
    public void finish(final long id, final String status, final long rowsWritten, final Instant maxTs, final String errorMessage,
        final Map<String, Object> metadata) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement(
                 "UPDATE job_runs SET status = ?, rows_written = ?, max_ts = coalesce(?, max_ts), completed_at = NOW(), " +
                 "error_message = ?, metadata = coalesce(metadata, '{}'::jsonb) || ?::jsonb WHERE id = ?"))
        {
            update.setString(1, status);
            update.setLong(2, rowsWritten);
            setInstant(update, 3, maxTs);
            update.setString(4, errorMessage);
            update.setString(5, json(metadata));
            update.setLong(6, id);
            update.executeUpdate();
        }
    }

    /**
     * Reopens job {@code id} only if its row is still as it was read ({@code status}, and the pid and the
     * count of resumes in its metadata): compare-and-set, so that of two processes resuming one run at
     * once, one does.
     *
     * @return false when another process changed the row first
     */
    public boolean reopenIf(final long id, final String status, final Object pid, final Object resumes, final Map<String, Object> metadata)
        throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement(
                 "UPDATE job_runs SET status = 'running', completed_at = NULL, error_message = NULL, " +
                 "metadata = coalesce(metadata, '{}'::jsonb) || ?::jsonb WHERE id = ? AND status = ? AND (metadata->>'pid') IS NOT DISTINCT FROM ? " +
                 "AND (metadata->>'resumes') IS NOT DISTINCT FROM ?"))
        {
            update.setString(1, json(metadata));
            update.setLong(2, id);
            update.setString(3, status);
            update.setString(4, pid == null ? null : String.valueOf(pid));
            update.setString(5, resumes == null ? null : String.valueOf(resumes));
            return update.executeUpdate() == 1;
        }
    }

    /** Adds keys to a job's metadata. */
    public void mergeMetadata(final long id, final Map<String, Object> metadata) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement("UPDATE job_runs SET metadata = coalesce(metadata, '{}'::jsonb) || ?::jsonb WHERE id = ?"))
        {
            update.setString(1, json(metadata));
            update.setLong(2, id);
            update.executeUpdate();
        }
    }

    public Optional<JobRun> find(final long id) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM job_runs WHERE id = ?"))
        {
            select.setLong(1, id);
            try (ResultSet rs = select.executeQuery())
            {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /** Jobs of {@code jobName}, newest first; {@code status} and {@code provider} filter when not null. */
    public List<JobRun> list(final String jobName, final String status, final String provider, final int limit, final int offset) throws SQLException
    {
        final List<JobRun> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT " + COLUMNS + " FROM job_runs WHERE job_name = ? " +
                 "AND (?::text IS NULL OR status = ?) AND (?::text IS NULL OR provider = ?) ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?"))
        {
            select.setString(1, jobName);
            select.setString(2, status);
            select.setString(3, status);
            select.setString(4, provider);
            select.setString(5, provider);
            select.setInt(6, limit);
            select.setInt(7, offset);
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

    /**
     * The {@code max_ts} of the latest completed job of {@code jobName} whose metadata has this
     * {@code query_key} (where an incremental export goes on from), or null when there is none.
     */
    public Instant lastCompletedMaxTs(final String jobName, final String queryKey) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT max_ts FROM job_runs WHERE job_name = ? AND status = 'completed' AND " +
                 "metadata->>'query_key' = ? AND max_ts IS NOT NULL ORDER BY id DESC LIMIT 1"))
        {
            s.setString(1, jobName);
            s.setString(2, queryKey);
            try (ResultSet rs = s.executeQuery())
            {
                return rs.next() ? instant(rs.getTimestamp(1)) : null;
            }
        }
    }

    /**
     * Marks job {@code id} {@code deleting} if its status is still {@code status} and it is neither
     * running nor paused: a compare-and-set, so that a resume (which reopens a row only as it read it)
     * and a deletion never both take a run; a row left {@code deleting} by a deletion that stopped
     * half-way is taken again with {@code status} {@code deleting}.
     *
     * @return false when the row changed meanwhile (or is gone)
     */
    public boolean markDeleting(final long id, final String status) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement update = c.prepareStatement(
                 "UPDATE job_runs SET status = 'deleting' WHERE id = ? AND status = ? AND status NOT IN ('running', 'paused')"))
        {
            update.setLong(1, id);
            update.setString(2, status);
            return update.executeUpdate() == 1;
        }
    }

    /** Deletes job {@code id}'s row; false when there was none. */
    public boolean delete(final long id) throws SQLException
    {
        try (Connection c = dataSource.getConnection(); PreparedStatement delete = c.prepareStatement("DELETE FROM job_runs WHERE id = ?"))
        {
            delete.setLong(1, id);
            return delete.executeUpdate() == 1;
        }
    }

    /**
     * Marks jobs left running or paused by a process that no longer exists (it crashed or was killed)
     * as failed, so they do not look alive forever. A job records its process id in
     * {@code metadata.pid}; only jobs of dead processes on this host are touched.
     */
    public int failOrphans(final String jobName, final String host) throws SQLException
    {
        int failed = 0;
        for (final JobRun run : list(jobName, null, null, 1000, 0))
        {
            if (!run.status().equals("running") && !run.status().equals("paused"))
            {
                continue;
            }
            final Object pid = run.metadata().get("pid");
            final Object runHost = run.metadata().get("host");
            if (pid instanceof Number number && host.equals(runHost) && ProcessHandle.of(number.longValue()).map(ProcessHandle::isAlive).orElse(false))
            {
                continue;
            }
            if (pid instanceof Number && !host.equals(runHost))
            {
                continue;
            }
            finish(run.id(), "failed", run.rowsWritten(), null, "the process running this job ended before it did", Map.of());
            failed++;
        }
        return failed;
    }

    private static JobRun row(final ResultSet rs) throws SQLException
    {
        final Array symbols = rs.getArray(5);
        final List<String> list = symbols == null ? List.of() : List.of((String[])symbols.getArray());
        return new JobRun(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), list, rs.getLong(6),
            instant(rs.getTimestamp(7)), instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)),
            rs.getString(11), map(rs.getString(12)));
    }

    private static Instant instant(final Timestamp t)
    {
        return t == null ? null : t.toInstant();
    }

    private static void setInstant(final PreparedStatement statement, final int index, final Instant instant) throws SQLException
    {
        if (instant == null)
        {
            statement.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        }
        else
        {
            statement.setObject(index, OffsetDateTime.ofInstant(instant, ZoneOffset.UTC));
        }
    }

    static String json(final Map<String, Object> metadata)
    {
        try
        {
            return JSON.writeValueAsString(metadata == null ? Map.of() : metadata);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalArgumentException("metadata is not JSON-serialisable: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> map(final String json) throws SQLException
    {
        if (json == null)
        {
            return Map.of();
        }
        try
        {
            return JSON.readValue(json, MAP);
        }
        catch (final JsonProcessingException e)
        {
            throw new SQLException("job_runs.metadata is not a JSON object: " + e.getMessage(), e);
        }
    }
}
