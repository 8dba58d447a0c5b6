package io.tickreplay.adapters.postgres;

import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.tick.Micros;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import javax.sql.DataSource;

/**
 * Plans a replay's warm-up (spec: "a value never depends on where the replay starts"): the earliest
 * time any selected signal needs, the start of the day for VWAP, 60 seconds for the tick rate, and
 * for bar signals the start of the {@code 50 x period}-th one-minute bar before the start (minutes
 * without ticks do not count), or the start of the data when there are fewer.
 *
 * <p>The bar search widens a window back from the start, doubling it, and counts the distinct
 * minutes with ticks per symbol in one index range scan per step, until every symbol has enough
 * bars or no older ticks.
 */
public final class SignalWarmup
{
    private static final long MAX_LOOKBACK_MICROS = 400L * Micros.PER_DAY;

    private SignalWarmup()
    {
    }

    public static long from(final DataSource dataSource, final String provider, final List<String> symbols, final long startMicros,
        final List<SignalCalculator> signals) throws SQLException
    {
        long from = startMicros;
        int bars = 0;
        for (final SignalCalculator signal : signals)
        {
            from = Math.min(from, signal.warmupFrom(startMicros));
            bars = Math.max(bars, signal.warmupBars());
        }
        if (bars > 0)
        {
            from = Math.min(from, barsBack(dataSource, provider, symbols, startMicros, bars));
        }
        return from;
    }

    private static long barsBack(final DataSource dataSource, final String provider, final List<String> symbols, final long startMicros, final int bars)
        throws SQLException
    {
        final long minuteStart = Math.floorDiv(startMicros, Micros.PER_MINUTE) * Micros.PER_MINUTE;
        long window = bars * Micros.PER_MINUTE;
        try (Connection c = dataSource.getConnection();
             PreparedStatement count = c.prepareStatement(
                 "SELECT count(*) FILTER (WHERE minutes >= ? OR NOT older) FROM (SELECT s.sym, " +
                 " (SELECT count(DISTINCT date_trunc('minute', t.ts)) FROM tick_data t WHERE t.provider = ? AND t.symbol = s.sym COLLATE \"C\" " +
                 "   AND t.ts >= ? AND t.ts < ?) AS minutes, " +
                 " EXISTS (SELECT 1 FROM tick_data o WHERE o.provider = ? AND o.symbol = s.sym COLLATE \"C\" AND o.ts < ?) AS older " +
                 " FROM unnest(?::text[]) AS s(sym)) x"))
        {
            while (true)
            {
                final long from = minuteStart - window;
                count.setInt(1, bars);
                count.setString(2, provider);
                count.setObject(3, time(from));
                count.setObject(4, time(minuteStart));
                count.setString(5, provider);
                count.setObject(6, time(from));
                count.setArray(7, c.createArrayOf("text", symbols.toArray()));
                try (ResultSet rs = count.executeQuery())
                {
                    rs.next();
                    if (rs.getInt(1) == symbols.size() || window >= MAX_LOOKBACK_MICROS)
                    {
                        // enough bars for every symbol (possibly more: more warm-up only converges further)
                        return from;
                    }
                }
                window *= 2;
            }
        }
    }

    private static OffsetDateTime time(final long micros)
    {
        return OffsetDateTime.ofInstant(Micros.toInstant(micros), ZoneOffset.UTC);
    }
}
