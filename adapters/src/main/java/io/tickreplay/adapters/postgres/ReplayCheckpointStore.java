package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.tick.Micros;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@code replay_checkpoints}: the last consistent position of each replay run, one row a run, upserted
 * when a checkpoint has been committed by every writer (a statement every few seconds, on the last
 * writer's thread). A checkpoint never replaces one further on: two writers finishing two checkpoints
 * at once cannot move a run back. Thread-safe.
 */
public final class ReplayCheckpointStore
{
    private final DataSource dataSource;

    public ReplayCheckpointStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    public void save(final long runId, final ReplayCheckpoint c) throws SQLException
    {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement upsert = connection.prepareStatement(
                 "INSERT INTO replay_checkpoints (run_id, last_ts, last_symbol, last_seq, ticks, checksum, first_ts) VALUES (?, ?, ?, ?, ?, ?, ?) " +
                 "ON CONFLICT (run_id) DO UPDATE SET last_ts = EXCLUDED.last_ts, last_symbol = EXCLUDED.last_symbol, last_seq = EXCLUDED.last_seq, " +
                 "ticks = EXCLUDED.ticks, checksum = EXCLUDED.checksum, first_ts = EXCLUDED.first_ts, updated_at = now() " +
                 "WHERE replay_checkpoints.ticks <= EXCLUDED.ticks"))
        {
            upsert.setLong(1, runId);
            upsert.setObject(2, timestamp(c.lastTsMicros()));
            upsert.setString(3, c.lastSymbol());
            upsert.setInt(4, c.lastSeq());
            upsert.setLong(5, c.ticks());
            upsert.setLong(6, c.checksum());
            upsert.setObject(7, timestamp(c.firstTsMicros()));
            upsert.executeUpdate();
        }
    }

    /** The run's last checkpoint (its id is 0: ids number the markers of one process's run only). */
    public Optional<ReplayCheckpoint> find(final long runId) throws SQLException
    {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                 "SELECT last_ts, last_symbol, last_seq, ticks, checksum, first_ts FROM replay_checkpoints WHERE run_id = ?"))
        {
            select.setLong(1, runId);
            try (ResultSet rs = select.executeQuery())
            {
                if (!rs.next())
                {
                    return Optional.empty();
                }
                return Optional.of(new ReplayCheckpoint(0, Micros.of(rs.getObject(1, OffsetDateTime.class).toInstant()), rs.getString(2), rs.getInt(3),
                    rs.getLong(4), rs.getLong(5), Micros.of(rs.getObject(6, OffsetDateTime.class).toInstant())));
            }
        }
    }

    /** Forgets the run's checkpoint (it can no longer be resumed); false when it had none. */
    public boolean delete(final long runId) throws SQLException
    {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement delete = connection.prepareStatement("DELETE FROM replay_checkpoints WHERE run_id = ?"))
        {
            delete.setLong(1, runId);
            return delete.executeUpdate() == 1;
        }
    }

    private static OffsetDateTime timestamp(final long micros)
    {
        return OffsetDateTime.ofInstant(Micros.toInstant(micros), ZoneOffset.UTC);
    }
}
