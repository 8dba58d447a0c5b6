package io.tickreplay.adapters.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * {@code replay_telemetry}: a finished replay's timeline and latency distributions, as the JSON the
 * cockpit reads ({@code GET /v1/replay/ticks/{id}/timeline} and {@code .../latency}). One row per run,
 * replaced when a resumed run ends again.
 */
public final class ReplayTelemetryStore
{
    /** The two JSON documents of a run, as text. */
    public record Telemetry(String timeline, String latency)
    {
    }

    private final DataSource dataSource;

    public ReplayTelemetryStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    public void save(final long runId, final String timelineJson, final String latencyJson) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement upsert = c.prepareStatement("INSERT INTO replay_telemetry (run_id, timeline, latency) VALUES (?, ?::jsonb, ?::jsonb) " +
                 "ON CONFLICT (run_id) DO UPDATE SET timeline = EXCLUDED.timeline, latency = EXCLUDED.latency, updated_at = now()"))
        {
            upsert.setLong(1, runId);
            upsert.setString(2, timelineJson);
            upsert.setString(3, latencyJson);
            upsert.executeUpdate();
        }
    }

    public Optional<Telemetry> find(final long runId) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement select = c.prepareStatement("SELECT timeline::text, latency::text FROM replay_telemetry WHERE run_id = ?"))
        {
            select.setLong(1, runId);
            try (ResultSet rs = select.executeQuery())
            {
                return rs.next() ? Optional.of(new Telemetry(rs.getString(1), rs.getString(2))) : Optional.empty();
            }
        }
    }
    /** Forgets the run's timeline and latency; false when it had none. */
    public boolean delete(final long runId) throws SQLException
    {
        try (Connection c = dataSource.getConnection(); PreparedStatement delete = c.prepareStatement("DELETE FROM replay_telemetry WHERE run_id = ?"))
        {
            delete.setLong(1, runId);
            return delete.executeUpdate() == 1;
        }
    }

}
