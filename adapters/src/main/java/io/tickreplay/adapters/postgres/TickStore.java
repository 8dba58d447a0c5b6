package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleConsumer;
import javax.sql.DataSource;

/** Reads and writes {@code tick_data} as a whole: synthetic sessions and what the store holds. Thread-safe. */
public final class TickStore
{
    private final DataSource dataSource;

    public TickStore(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** One provider and symbol of the store. */
    public record SymbolSummary(String provider, String symbol, long ticks, Instant minTs, Instant maxTs)
    {
    }

    /**
     * Writes {@code session} into {@code tick_data} in one transaction, replacing whatever the store
     * held for its provider and symbols on its days (UTC), so that generating again with the same
     * seed leaves the same rows.
     */
    public long writeSession(final SyntheticSession session, final SyntheticSession.Context ctx, final DoubleConsumer progress) throws SQLException
    {
        try (Connection connection = dataSource.getConnection())
        {
            connection.setAutoCommit(false);
            TickCopyWriter writer = null;
            try
            {
                final List<LocalDate> days = session.tradingDays();
                try (PreparedStatement delete = connection.prepareStatement(
                    "DELETE FROM tick_data WHERE provider = ? AND symbol = ANY(?) AND ts >= ? AND ts < ?"))
                {
                    final Array symbols = connection.createArrayOf("text", ctx.symbols().toArray());
                    for (final LocalDate day : days)
                    {
                        // a session's hours can cross UTC midnight in far time zones: clear the surrounding days too
                        delete.setString(1, ctx.provider());
                        delete.setArray(2, symbols);
                        delete.setTimestamp(3, Timestamp.from(day.minusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC)));
                        delete.setTimestamp(4, Timestamp.from(day.plusDays(2).atStartOfDay().toInstant(ZoneOffset.UTC)));
                        delete.executeUpdate();
                    }
                }
                writer = new TickCopyWriter(connection, "tick_data");
                final long count = session.run(writer, progress);
                writer.finish();
                connection.commit();
                return count;
            }
            catch (final SQLException | RuntimeException e)
            {
                if (writer != null)
                {
                    writer.cancel();
                }
                connection.rollback();
                if (e instanceof TickCopyWriter.CopyFailedException copy)
                {
                    throw copy.sqlException();
                }
                throw e;
            }
        }
    }

    public long countTicks() throws SQLException
    {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT count(*) FROM tick_data");
             ResultSet rs = select.executeQuery())
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** True when the store holds no tick at all (cheap: stops at the first row). */
    public boolean isEmpty() throws SQLException
    {
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("SELECT NOT EXISTS (SELECT 1 FROM tick_data)");
             ResultSet rs = select.executeQuery())
        {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    public List<SymbolSummary> summary() throws SQLException
    {
        final List<SymbolSummary> result = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement(
                 "SELECT provider, symbol, count(*), min(ts), max(ts) FROM tick_data GROUP BY provider, symbol ORDER BY provider, symbol");
             ResultSet rs = select.executeQuery())
        {
            while (rs.next())
            {
                result.add(new SymbolSummary(rs.getString(1), rs.getString(2), rs.getLong(3),
                    rs.getTimestamp(4).toInstant(), rs.getTimestamp(5).toInstant()));
            }
        }
        return result;
    }

    static Instant instant(final long micros)
    {
        return Micros.toInstant(micros);
    }

    /**
     * The providers {@code tick_data} holds, by name: a loose index scan (one index probe per provider,
     * whatever the number of ticks).
     */
    public List<String> providers() throws SQLException
    {
        return names("WITH RECURSIVE p AS (SELECT min(provider) AS v FROM tick_data UNION ALL " +
            "SELECT (SELECT min(provider) FROM tick_data WHERE provider > p.v) FROM p WHERE p.v IS NOT NULL) SELECT v FROM p WHERE v IS NOT NULL", null);
    }

    /** The symbols of {@code provider} in {@code tick_data}, by name: a loose index scan. */
    public List<String> symbols(final String provider) throws SQLException
    {
        return names("WITH RECURSIVE s AS (SELECT min(symbol) AS v FROM tick_data WHERE provider = ?1 UNION ALL " +
            "SELECT (SELECT min(symbol) FROM tick_data WHERE provider = ?1 AND symbol > s.v) FROM s WHERE s.v IS NOT NULL) " +
            "SELECT v FROM s WHERE v IS NOT NULL", provider);
    }

    /** Which of {@code symbols} {@code provider} has no tick of, in the order given (an index probe each). */
    public List<String> missing(final String provider, final List<String> symbols) throws SQLException
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT m FROM unnest(?::text[]) WITH ORDINALITY AS u(m, o) " +
                 "WHERE NOT EXISTS (SELECT 1 FROM tick_data t WHERE t.provider = ? AND t.symbol = u.m) ORDER BY o"))
        {
            s.setArray(1, c.createArrayOf("text", symbols.toArray()));
            s.setString(2, provider);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private List<String> names(final String sql, final String provider) throws SQLException
    {
        final List<String> out = new ArrayList<>();
        // ?1 is written twice in the text; JDBC numbers each ?, so a one-parameter query is given it twice
        final String jdbc = sql.replace("?1", "?");
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(jdbc))
        {
            for (int i = 1; i <= jdbc.chars().filter(ch -> ch == '?').count(); i++)
            {
                s.setString(i, provider);
            }
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** The first and last ts of {@code provider}'s {@code symbol} (two index probes); empty when it has no tick. */
    public Optional<Instant[]> range(final String provider, final String symbol) throws SQLException
    {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT min(ts), max(ts) FROM tick_data WHERE provider = ? AND symbol = ?"))
        {
            s.setString(1, provider);
            s.setString(2, symbol);
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                final OffsetDateTime min = rs.getObject(1, OffsetDateTime.class);
                return min == null ? Optional.empty()
                    : Optional.of(new Instant[] {min.toInstant(), rs.getObject(2, OffsetDateTime.class).toInstant()});
            }
        }
    }
}
