package io.tickreplay.adapters.postgres;

import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Feature sets from a real PostgreSQL, read back by DuckDB: equal to an independent computation (SQL
 * for the bars, the spread, the day's VWAP and the labels, a plain loop for RSI), with no look-ahead,
 * null labels at the end, and the documented columns and types in Parquet and CSV.
 */
class PgFeatureExporterIT
{
    private static final Instant START = Instant.parse("2025-11-03T16:00:00Z");
    private static final Instant END = Instant.parse("2025-11-03T20:00:00Z");
    private static final List<String> SIGNALS = List.of("spread_bps", "vwap_deviation_bps", "rsi_14", "tick_rate_zscore");
    private static final int[] HORIZONS = {1, 5, 15};

    private static Database db;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("features");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("feat").symbols(List.of("NVDA", "AAPL")).ticksPerSecond(2).seed(8);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
    }

    @AfterAll
    static void stop()
    {
        db.close();
    }

    private Path export(final String provider, final String name, final FileFormat format) throws Exception
    {
        return export(provider, name, format, START, END, SIGNALS);
    }

    private Path export(final String provider, final String name, final FileFormat format, final Instant start, final Instant end,
        final List<String> signals) throws Exception
    {
        final Path out = dir.resolve(name);
        final PgExporter.Result r = new PgFeatureExporter(db.dataSource()).export(
            new PgFeatureExporter.Query(provider, List.of("NVDA", "AAPL"), start, end, "1m", signals, HORIZONS), out, format, rows -> { });
        assertThat(r.rows()).isPositive();
        assertThat(r.bytes()).isEqualTo(Files.size(out));
        return out;
    }

    /** The file's rows by DuckDB, ordered by symbol and ts: column name to value (null as null; ts in micros). */
    private static List<Map<String, Object>> rows(final String from) throws Exception
    {
        final List<Map<String, Object>> out = new ArrayList<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement();
             ResultSet rs = s.executeQuery("SELECT * REPLACE (epoch_us(ts::TIMESTAMPTZ) AS ts) FROM " + from + " ORDER BY symbol, ts"))
        {
            final ResultSetMetaData md = rs.getMetaData();
            while (rs.next())
            {
                final Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++)
                {
                    row.put(md.getColumnName(i), rs.getObject(i));
                }
                out.add(row);
            }
        }
        return out;
    }

    @Test
    void everyRowEqualsAnIndependentComputationAndLabelsPastTheEndAreNull() throws Exception
    {
        final List<Map<String, Object>> rows = rows("read_parquet('" + export("feat", "f.parquet", FileFormat.PARQUET) + "')");
        final Map<String, Double> rsi = rsiByBar();
        int i = 0;
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("SET TimeZone = 'UTC'");
            try (ResultSet rs = s.executeQuery(
                "WITH b AS (SELECT symbol, date_trunc('minute', ts) AS bar, (array_agg(price ORDER BY ts, seq))[1] AS open, max(price) AS high, " +
                "min(price) AS low, (array_agg(price ORDER BY ts DESC, seq DESC))[1] AS close, sum(size) AS volume, count(*) AS trade_count, " +
                "sum(price * size) / NULLIF(sum(size), 0) AS vwap FROM tick_data WHERE provider = 'feat' AND ts >= '" + START + "' AND ts < '" + END + "' " +
                "GROUP BY symbol, bar) " +
                "SELECT symbol, (extract(epoch FROM bar) * 1000000)::bigint, open, high, low, close, volume, trade_count, vwap, " +
                " (SELECT (ask - bid) / ((ask + bid) / 2) * 10000 FROM tick_data t WHERE t.provider = 'feat' AND t.symbol = b.symbol " +
                "   AND t.ts < b.bar + interval '1 minute' AND bid > 0 AND ask > 0 AND ask >= bid ORDER BY ts DESC, seq DESC LIMIT 1), " +
                " (SELECT (b.close - sum(price * size) / sum(size)) / (sum(price * size) / sum(size)) * 10000 FROM tick_data t WHERE t.provider = 'feat' " +
                "   AND t.symbol = b.symbol AND t.ts >= date_trunc('day', b.bar) AND t.ts < b.bar + interval '1 minute'), " +
                " ln(lead(close, 1) OVER w / close), ln(lead(close, 5) OVER w / close), ln(lead(close, 15) OVER w / close) " +
                "FROM b WINDOW w AS (PARTITION BY symbol ORDER BY bar) ORDER BY symbol, bar"))
            {
                while (rs.next())
                {
                    final Map<String, Object> row = rows.get(i++);
                    assertThat(row.get("provider")).isEqualTo("feat");
                    assertThat(row.get("symbol")).isEqualTo(rs.getString(1));
                    assertThat(((Number)row.get("ts")).longValue()).isEqualTo(rs.getLong(2));
                    for (final String col : List.of("open", "high", "low", "close"))
                    {
                        assertThat(row.get(col)).as(col).isEqualTo(rs.getDouble(col));
                    }
                    assertThat((double)row.get("volume")).isCloseTo(rs.getDouble("volume"), within(1e-9 * rs.getDouble("volume")));
                    assertThat(((Number)row.get("trade_count")).longValue()).isEqualTo(rs.getLong("trade_count"));
                    assertThat((double)row.get("vwap")).isCloseTo(rs.getDouble("vwap"), within(1e-9 * rs.getDouble("vwap")));
                    assertThat((double)row.get("spread_bps")).isCloseTo(rs.getDouble(10), within(1e-9));
                    assertThat((double)row.get("vwap_deviation_bps")).isCloseTo(rs.getDouble(11), within(1e-6));
                    final Double expectedRsi = rsi.get(rs.getString(1) + "@" + rs.getLong(2));
                    if (expectedRsi == null)
                    {
                        assertThat(row.get("rsi_14")).isNull();
                    }
                    else
                    {
                        assertThat((double)row.get("rsi_14")).isCloseTo(expectedRsi, within(1e-7));
                    }
                    for (int h = 0; h < HORIZONS.length; h++)
                    {
                        final double label = rs.getDouble(12 + h);
                        final Object got = row.get("fwd_log_return_" + HORIZONS[h]);
                        if (rs.wasNull())
                        {
                            assertThat(got).as("past the end: null, not made up").isNull();
                        }
                        else
                        {
                            assertThat((double)got).isCloseTo(label, within(1e-12));
                        }
                    }
                }
            }
        }
        assertThat(i).isEqualTo(rows.size()).isEqualTo(2 * 240);
        // the last 15 rows of each symbol have no 15-bar label, the one before has
        assertThat(rows.subList(240 - 15, 240)).allSatisfy(r -> assertThat(r.get("fwd_log_return_15")).isNull());
        assertThat(rows.get(240 - 16).get("fwd_log_return_15")).isNotNull();
        assertThat(rows).filteredOn(r -> r.get("tick_rate_zscore") != null).hasSizeGreaterThan(400);
    }

    /** Wilder's RSI 14 at each 1-minute bar from the start of the data (fewer than 700 bars before START: all of them are warm-up). */
    private static Map<String, Double> rsiByBar() throws Exception
    {
        final Map<String, Double> out = new HashMap<>();
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT symbol, (extract(epoch FROM date_trunc('minute', ts)) * 1000000)::bigint AS bar, " +
                 "(array_agg(price ORDER BY ts DESC, seq DESC))[1] FROM tick_data WHERE provider = 'feat' AND ts < '" + END + "' GROUP BY 1, 2 ORDER BY 1, 2"))
        {
            String symbol = null;
            double previous = Double.NaN;
            int n = 0;
            double gain = 0;
            double loss = 0;
            while (rs.next())
            {
                if (!rs.getString(1).equals(symbol))
                {
                    symbol = rs.getString(1);
                    n = 0;
                    gain = 0;
                    loss = 0;
                }
                final double close = rs.getDouble(3);
                if (n > 0)
                {
                    final double d = close - previous;
                    if (n <= 14)
                    {
                        gain += Math.max(d, 0) / 14;
                        loss += Math.max(-d, 0) / 14;
                    }
                    else
                    {
                        gain = (gain * 13 + Math.max(d, 0)) / 14;
                        loss = (loss * 13 + Math.max(-d, 0)) / 14;
                    }
                    if (n >= 14)
                    {
                        out.put(symbol + "@" + rs.getLong(2), loss == 0 ? 100 : 100 - 100 / (1 + gain / loss));
                    }
                }
                previous = close;
                n++;
            }
        }
        return out;
    }

    @Test
    void rewritingTheTicksAfterABarsCloseChangesNoneOfItsFeatures() throws Exception
    {
        final Path before = export("feat", "before.parquet", FileFormat.PARQUET);
        // at a bar boundary: the first tick after the last compared bar's close is one of the changed ones
        final Instant cut = Instant.parse("2025-11-03T18:17:00Z");
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("DELETE FROM tick_data WHERE provider = 'shuf'");
            s.execute("INSERT INTO tick_data SELECT 'shuf', symbol, ts, seq, price, size, bid, ask, bid_size, ask_size FROM tick_data WHERE provider = 'feat'");
            // every tick after the cut: other times, other prices and sizes, some deleted
            s.execute("DELETE FROM tick_data WHERE provider = 'shuf' AND ts >= '" + cut + "'");
            s.execute("SELECT setseed(0.25)");
            s.execute("INSERT INTO tick_data SELECT 'shuf', symbol, ts + (random() * 20000000)::int * interval '1 microsecond', seq + 1000000, " +
                "price * (0.9 + random() * 0.2), size * (random() * 3), bid, ask, bid_size, ask_size FROM tick_data " +
                "WHERE provider = 'feat' AND ts >= '" + cut + "' AND random() < 0.7");
        }
        final Path after = export("shuf", "after.parquet", FileFormat.PARQUET);
        final List<Map<String, Object>> a = rows("read_parquet('" + before + "')");
        final Map<String, Map<String, Object>> b = new HashMap<>();
        rows("read_parquet('" + after + "')").forEach(r -> b.put(r.get("symbol") + "@" + r.get("ts"), r));
        final long cutMicros = io.tickreplay.engine.tick.Micros.of(cut);
        int compared = 0;
        boolean labelsMoved = false;
        for (int i = 0; i < a.size(); i++)
        {
            final Map<String, Object> x = a.get(i);
            if (((Number)x.get("ts")).longValue() + 60_000_000L > cutMicros)
            {
                continue; // closes after the cut
            }
            final Map<String, Object> y = b.get(x.get("symbol") + "@" + x.get("ts"));
            assertThat(y).as("the bar at %s", x.get("ts")).isNotNull();
            for (final String col : x.keySet())
            {
                if (col.startsWith("fwd_log_return_"))
                {
                    labelsMoved |= !java.util.Objects.equals(x.get(col), y.get(col));
                }
                else if (!col.equals("provider"))
                {
                    assertThat(y.get(col)).as("%s of %s at %s", col, x.get("symbol"), x.get("ts")).isEqualTo(x.get(col));
                }
            }
            compared++;
        }
        assertThat(compared).isEqualTo(2 * (137));
        assertThat(labelsMoved).as("the labels do look ahead (a check that the rewrite changed something)").isTrue();
    }

    @ParameterizedTest
    @EnumSource(FileFormat.class)
    void aFailureHalfWayLeavesNoFileAndThePoolUsable(final FileFormat format) throws Exception
    {
        final Path out = Files.createDirectory(dir.resolve("failing-" + format.label())).resolve("f." + format.label());
        // the progress callback stands for the file's side failing (a full disk) after the first symbol
        assertThatThrownBy(() -> new PgFeatureExporter(db.dataSource()).export(
            new PgFeatureExporter.Query("feat", List.of("NVDA", "AAPL"), START, END, "1m", SIGNALS, HORIZONS), out, format, rows ->
            {
                if (rows > 0)
                {
                    throw new IllegalStateException("No space left on device");
                }
            })).hasMessageContaining("No space left on device");
        try (var files = Files.list(out.getParent()))
        {
            assertThat(files).as("neither the file nor a temporary one").isEmpty();
        }
        for (int i = 0; i < 8; i++)
        {
            try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM tick_data"))
            {
                assertThat(rs.next()).isTrue();
            }
        }
    }

    @Test
    void aWindowStartingLaterHasTheSameFeaturesAsTheWholeWindowThanksToItsWarmUp() throws Exception
    {
        final Instant later = Instant.parse("2025-11-03T17:30:00Z");
        final Map<String, Map<String, Object>> whole = new HashMap<>();
        rows("read_parquet('" + export("feat", "whole.parquet", FileFormat.PARQUET, START, END, List.of("all")) + "')")
            .forEach(r -> whole.put(r.get("symbol") + "@" + r.get("ts"), r));
        final List<Map<String, Object>> part = rows("read_parquet('" + export("feat", "part.parquet", FileFormat.PARQUET, later, END, List.of("all")) + "')");
        assertThat(part).hasSize(2 * 150);
        for (final Map<String, Object> row : part)
        {
            final Map<String, Object> full = whole.get(row.get("symbol") + "@" + row.get("ts"));
            for (final Map.Entry<String, Object> e : row.entrySet())
            {
                if (e.getValue() instanceof Double d && !e.getKey().startsWith("fwd_log_return_"))
                {
                    assertThat(d).as("%s at %s", e.getKey(), row.get("ts")).isCloseTo((Double)full.get(e.getKey()), within(1e-9 * Math.max(1, Math.abs(d))));
                }
                else
                {
                    assertThat(e.getValue()).as("%s at %s", e.getKey(), row.get("ts")).isEqualTo(full.get(e.getKey()));
                }
            }
        }
        // the later window starts with values: nothing null that the whole window has
        assertThat(part.get(0).get("rsi_14")).isNotNull();
        assertThat(part.get(0).get("vwap_deviation_bps")).isNotNull();
    }

    @Test
    void parquetAndCsvHaveTheDocumentedColumnsTypesAndTheSameValues() throws Exception
    {
        final Path parquet = export("feat", "t.parquet", FileFormat.PARQUET);
        final Path csv = export("feat", "t.csv", FileFormat.CSV);
        final Path gz = export("feat", "t.csv.gz", FileFormat.CSV_GZ);
        final Map<String, String> types = new LinkedHashMap<>();
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement();
             ResultSet rs = s.executeQuery("DESCRIBE SELECT * FROM read_parquet('" + parquet + "')"))
        {
            while (rs.next())
            {
                types.put(rs.getString("column_name"), rs.getString("column_type"));
            }
        }
        final Map<String, String> expected = new LinkedHashMap<>();
        expected.put("provider", "VARCHAR");
        expected.put("symbol", "VARCHAR");
        expected.put("ts", "TIMESTAMP WITH TIME ZONE");
        for (final String c : List.of("open", "high", "low", "close", "volume"))
        {
            expected.put(c, "DOUBLE");
        }
        expected.put("trade_count", "BIGINT");
        expected.put("vwap", "DOUBLE");
        SIGNALS.forEach(n -> expected.put(n, "DOUBLE"));
        for (final int h : HORIZONS)
        {
            expected.put("fwd_log_return_" + h, "DOUBLE");
        }
        assertThat(types).containsExactlyEntriesOf(expected);
        assertThat(Files.readAllLines(csv).get(0)).isEqualTo(String.join(",", expected.keySet()));
        final List<Map<String, Object>> p = rows("read_parquet('" + parquet + "')");
        for (final Path text : List.of(csv, gz))
        {
            final List<Map<String, Object>> c = rows("read_csv('" + text + "', header = true, all_varchar = true)");
            assertThat(c).hasSameSizeAs(p);
            for (int i = 0; i < p.size(); i++)
            {
                for (final Map.Entry<String, Object> e : p.get(i).entrySet())
                {
                    final Object v = c.get(i).get(e.getKey());
                    final Object parsed = e.getValue() instanceof Double ? (v == null ? null : Double.valueOf((String)v))
                        : e.getValue() instanceof Long && !e.getKey().equals("ts") ? Long.valueOf((String)v) : v;
                    if (!e.getKey().equals("ts"))
                    {
                        assertThat(parsed).as("%s row %d of %s", e.getKey(), i, text.getFileName()).isEqualTo(e.getValue());
                    }
                    else
                    {
                        assertThat(((Number)v).longValue()).isEqualTo(((Number)e.getValue()).longValue());
                    }
                }
            }
        }
    }
}
