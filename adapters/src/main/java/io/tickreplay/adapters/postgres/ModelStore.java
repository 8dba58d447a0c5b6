package io.tickreplay.adapters.postgres;

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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code models} table (docs/models.md): the registry, one row per name. One statement per call, on
 * the caller's thread; thread-safe.
 */
public final class ModelStore
{
    private static final String COLUMNS =
        "name, type, version, sha256, features, bar_interval, horizon, parameters::text, training_start, training_end, created_at";

    private final DataSource dataSource;

    public ModelStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /**
     * A row of {@code models}: {@code sha256} is null for a model without a file (online-linear);
     * {@code parameters} a JSON object as text; the training window null when the file does not carry it.
     */
    public record Model(String name, String type, long version, String sha256, List<String> features, String interval, int horizon,
        String parameters, Instant trainingStart, Instant trainingEnd, Instant createdAt)
    {
    }

    /** A model of that name exists already. */
    public static final class DuplicateName extends SQLException
    {
        private static final long serialVersionUID = 1L;

        DuplicateName(final String name, final SQLException cause)
        {
            super("a model named '" + name + "' exists already (tickreplay model remove " + name + " first, or choose another name)",
                cause.getSQLState(), cause);
        }
    }

    public Model insert(final Model m) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement insert = c.prepareStatement("INSERT INTO models (name, type, version, sha256, features, bar_interval, horizon, " +
                 "parameters, training_start, training_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?) RETURNING " + COLUMNS))
        {
            insert.setString(1, m.name());
            insert.setString(2, m.type());
            insert.setLong(3, m.version());
            insert.setString(4, m.sha256());
            final Array features = c.createArrayOf("text", m.features().toArray());
            insert.setArray(5, features);
            insert.setString(6, m.interval());
            insert.setInt(7, m.horizon());
            insert.setString(8, m.parameters());
            setInstant(insert, 9, m.trainingStart());
            setInstant(insert, 10, m.trainingEnd());
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
                throw new DuplicateName(m.name(), e);
            }
            throw e;
        }
    }

    public Optional<Model> find(final String name) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement find = c.prepareStatement("SELECT " + COLUMNS + " FROM models WHERE name = ?"))
        {
            find.setString(1, name);
            try (ResultSet rs = find.executeQuery())
            {
                return rs.next() ? Optional.of(row(rs)) : Optional.empty();
            }
        }
    }

    /** Every model, by name. */
    public List<Model> list() throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement list = c.prepareStatement("SELECT " + COLUMNS + " FROM models ORDER BY name"))
        {
            final List<Model> out = new ArrayList<>();
            try (ResultSet rs = list.executeQuery())
            {
                while (rs.next())
                {
                    out.add(row(rs));
                }
            }
            return out;
        }
    }

    /** Removes the row; true if there was one. */
    public boolean delete(final String name) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement delete = c.prepareStatement("DELETE FROM models WHERE name = ?"))
        {
            delete.setString(1, name);
            return delete.executeUpdate() == 1;
        }
    }

    /** Whether any model still names this file (another name may share it). */
    public boolean fileInUse(final String sha256) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement find = c.prepareStatement("SELECT 1 FROM models WHERE sha256 = ? LIMIT 1"))
        {
            find.setString(1, sha256);
            try (ResultSet rs = find.executeQuery())
            {
                return rs.next();
            }
        }
    }

    private static Model row(final ResultSet rs) throws SQLException
    {
        final String[] features = (String[])rs.getArray(5).getArray();
        return new Model(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getString(4), Arrays.asList(features), rs.getString(6), rs.getInt(7),
            rs.getString(8), instant(rs.getTimestamp(9)), instant(rs.getTimestamp(10)), instant(rs.getTimestamp(11)));
    }

    private static void setInstant(final PreparedStatement s, final int index, final Instant value) throws SQLException
    {
        if (value == null)
        {
            s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        }
        else
        {
            s.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
        }
    }

    private static Instant instant(final Timestamp t)
    {
        return t == null ? null : t.toInstant();
    }
}
