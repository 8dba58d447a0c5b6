package io.tickreplay.adapters.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * What a run's model produced, read for the cockpit's Models page and {@code /v1/models/{name}/...}: its
 * rolling scores per symbol over time ({@code model_scores}), and its predictions beside the log
 * returns that came true ({@code pred_<name>} rows with the run's bars of the model's interval, the
 * close h bars later). At most {@code limit} points per call, the first in time. Thread-safe.
 */
public final class ModelResults
{
    private final DataSource dataSource;

    public ModelResults(final DataSource dataSource)
    {
        this.dataSource = dataSource;
    }

    /** One symbol's scores: bar starts (epoch microseconds) and, per metric, a value or null. */
    public record Scores(String symbol, List<Long> ts, Map<String, List<Double>> metrics)
    {
    }

    /** The run's scores of {@code model}, by symbol (all symbols when {@code symbol} is null). */
    public List<Scores> scores(final String model, final long runId, final String symbol, final int limit) throws SQLException
    {
        final Map<String, Scores> bySymbol = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT symbol, ts, max(value) FILTER (WHERE metric = 'ic'), " +
                 "max(value) FILTER (WHERE metric = 'hit_rate'), max(value) FILTER (WHERE metric = 'mse'), max(value) FILTER (WHERE metric = 'count') " +
                 "FROM model_scores WHERE model = ? AND run_id = ? AND (?::text IS NULL OR symbol = ?) GROUP BY symbol, ts ORDER BY symbol, ts LIMIT ?"))
        {
            s.setString(1, model);
            s.setLong(2, runId);
            s.setString(3, symbol);
            s.setString(4, symbol);
            s.setInt(5, limit);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    final Scores series = bySymbol.computeIfAbsent(rs.getString(1), k -> new Scores(k, new ArrayList<>(), new LinkedHashMap<>(Map.of(
                        "ic", new ArrayList<>(), "hit_rate", new ArrayList<>(), "mse", new ArrayList<>(), "count", new ArrayList<>()))));
                    final OffsetDateTime ts = rs.getObject(2, OffsetDateTime.class);
                    series.ts().add(ts.toEpochSecond() * 1_000_000L + ts.getNano() / 1_000);
                    series.metrics().get("ic").add((Double)rs.getObject(3));
                    series.metrics().get("hit_rate").add((Double)rs.getObject(4));
                    series.metrics().get("mse").add((Double)rs.getObject(5));
                    series.metrics().get("count").add((Double)rs.getObject(6));
                }
            }
        }
        return List.copyOf(bySymbol.values());
    }

    /** A prediction and the log return that came true over its horizon: {@code [ts (epoch us), prediction, realized]}. */
    public List<double[]> predictions(final String model, final long runId, final String symbol, final String interval, final int horizon,
        final int limit) throws SQLException
    {
        final List<double[]> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("WITH b AS (SELECT ts, close, lead(close, ?) OVER (ORDER BY ts) AS ahead FROM bars_ohlcv " +
                 "WHERE run_id = ? AND symbol = ? AND interval = ?) " +
                 "SELECT extract(epoch FROM p.ts)::float8 * 1e6, p.value, ln(b.ahead / b.close) FROM signals p JOIN b ON b.ts = p.ts " +
                 "WHERE p.name = ? AND p.run_id = ? AND p.symbol = ? AND b.ahead IS NOT NULL ORDER BY p.ts LIMIT ?"))
        {
            s.setInt(1, horizon);
            s.setLong(2, runId);
            s.setString(3, symbol);
            s.setString(4, interval);
            s.setString(5, "pred_" + model);
            s.setLong(6, runId);
            s.setString(7, symbol);
            s.setInt(8, limit);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.add(new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3)});
                }
            }
        }
        return out;
    }
}
