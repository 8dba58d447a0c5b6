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
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
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
}
