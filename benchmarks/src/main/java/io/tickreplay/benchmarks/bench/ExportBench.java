package io.tickreplay.benchmarks.bench;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.files.FileFormat;
import io.tickreplay.adapters.postgres.PgExporter;
import io.tickreplay.adapters.postgres.PgFeatureExporter;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Export, side by side: tickreplay's CSV and Parquet exports of a generated session's ticks against
 * PostgreSQL's own {@code COPY ... TO STDOUT} of the same rows (CSV, and binary for Parquet's
 * decode), the same per-symbol queries, the bytes thrown away: the server's limit. Checks first that
 * every contender moved the same number of rows. Then the ML feature set of the same window
 * (docs/features.md: 1-minute bars, horizons 1,5,15) with every signal and with none, in ticks read
 * per second, against the Parquet export of the ticks themselves.
 */
public final class ExportBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");

    private final Database db;
    private final Path workDir;
    private final int rounds;

    public ExportBench(final Database db, final Path workDir, final int rounds)
    {
        this.db = db;
        this.workDir = workDir;
        this.rounds = rounds;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        final long generated = SignalsBench.writeSession(db, "expbench", SYMBOLS, 17, ticks);
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("VACUUM ANALYZE tick_data");
        }
        System.out.printf(Locale.ROOT, "bench export: %,d ticks of %d symbols%n", generated, SYMBOLS.size());
        final PgExporter.Query query = new PgExporter.Query(PgExporter.Dataset.TICKS, "expbench", SYMBOLS, Instant.parse("2025-11-03T00:00:00Z"),
            Instant.parse("2025-11-04T00:00:00Z"), "1m", null);
        Files.createDirectories(workDir);
        final PgExporter exporter = new PgExporter(db.dataSource());
        final List<Double> pgCsv = new ArrayList<>();
        final List<Double> pgBinary = new ArrayList<>();
        final List<Double> csv = new ArrayList<>();
        final List<Double> csvGz = new ArrayList<>();
        final List<Double> parquet = new ArrayList<>();
        final List<Double> featuresAll = new ArrayList<>();
        final List<Double> featuresNone = new ArrayList<>();
        long featureRows = 0;
        final Map<String, Object> sizes = new LinkedHashMap<>();
        for (int round = 1; round <= rounds; round++)
        {
            pgCsv.add(copyOut(query, "(FORMAT csv)", generated));
            pgBinary.add(copyOut(query, "(FORMAT binary)", generated));
            for (final PgExporter.Format format : PgExporter.Format.values())
            {
                final Path file = workDir.resolve("bench-export." + format.label());
                final long t0 = System.nanoTime();
                final PgExporter.Result result = exporter.export(query, file, format, n -> { });
                final double rate = result.rows() * 1e9 / (System.nanoTime() - t0);
                if (result.rows() != generated)
                {
                    throw new IllegalStateException(format.label() + " export wrote " + result.rows() + " rows of " + generated);
                }
                sizes.put(format.label() + "_bytes", Files.size(file));
                Files.delete(file);
                (format == PgExporter.Format.CSV ? csv : format == PgExporter.Format.CSV_GZ ? csvGz : parquet).add(rate);
            }
            for (final List<String> signals : List.of(List.of("all"), List.of("none")))
            {
                final Path file = workDir.resolve("bench-features.parquet");
                final long t0 = System.nanoTime();
                final PgExporter.Result result = new PgFeatureExporter(db.dataSource()).export(new PgFeatureExporter.Query("expbench", SYMBOLS,
                    query.start(), query.end(), "1m", signals, new int[] {1, 5, 15}), file, FileFormat.PARQUET, n -> { });
                (signals.get(0).equals("all") ? featuresAll : featuresNone).add(generated * 1e9 / (System.nanoTime() - t0));
                featureRows = result.rows();
                sizes.put("features_" + signals.get(0) + "_parquet_bytes", Files.size(file));
                Files.delete(file);
            }
            System.out.printf(Locale.ROOT, "  round %d: PostgreSQL COPY TO csv %s rows/s, binary %s rows/s | export csv %s, csv.gz %s, parquet %s rows/s" +
                    " | features all %s, none %s ticks/s%n",
                round, rate(pgCsv.get(round - 1)), rate(pgBinary.get(round - 1)), rate(csv.get(round - 1)), rate(csvGz.get(round - 1)),
                rate(parquet.get(round - 1)), rate(featuresAll.get(round - 1)), rate(featuresNone.get(round - 1)));
        }
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        out.put("rows_identical_counts", true);
        out.put("postgres_copy_to_csv_rows_per_s", ReplayBench.rounded(pgCsv));
        out.put("postgres_copy_to_binary_rows_per_s", ReplayBench.rounded(pgBinary));
        out.put("export_csv_rows_per_s", ReplayBench.rounded(csv));
        out.put("export_csv_gz_rows_per_s", ReplayBench.rounded(csvGz));
        out.put("export_parquet_rows_per_s", ReplayBench.rounded(parquet));
        out.put("export_features_all_signals_ticks_per_s", ReplayBench.rounded(featuresAll));
        out.put("export_features_no_signals_ticks_per_s", ReplayBench.rounded(featuresNone));
        out.put("features_rows", featureRows);
        out.putAll(sizes);
        out.put("ratio_features_all_to_parquet_ticks", ReplayBench.ratio(ReplayBench.max(featuresAll), ReplayBench.max(parquet)));
        out.put("ratio_features_none_to_parquet_ticks", ReplayBench.ratio(ReplayBench.max(featuresNone), ReplayBench.max(parquet)));
        final double bestPgCsv = ReplayBench.max(pgCsv);
        final double bestPgBinary = ReplayBench.max(pgBinary);
        out.put("ratio_csv_to_copy_csv", ReplayBench.ratio(ReplayBench.max(csv), bestPgCsv));
        out.put("ratio_parquet_to_copy_binary", ReplayBench.ratio(ReplayBench.max(parquet), bestPgBinary));
        System.out.printf(Locale.ROOT, "bench export: every contender moved the same %,d rows%n", generated);
        System.out.printf(Locale.ROOT, "  %-48s %14s rows/s%n", "PostgreSQL COPY TO STDOUT csv (limit)", rate(bestPgCsv));
        System.out.printf(Locale.ROOT, "  %-48s %14s rows/s%n", "PostgreSQL COPY TO STDOUT binary (limit)", rate(bestPgBinary));
        System.out.printf(Locale.ROOT, "  %-48s %14s rows/s   = %.2fx COPY csv (goal >= 500k rows/s)%n", "export ticks .csv (tickreplay)",
            rate(ReplayBench.max(csv)), ReplayBench.max(csv) / bestPgCsv);
        System.out.printf(Locale.ROOT, "  %-48s %14s rows/s%n", "export ticks .csv.gz (tickreplay)", rate(ReplayBench.max(csvGz)));
        System.out.printf(Locale.ROOT, "  %-48s %14s rows/s   = %.2fx COPY binary (goal >= 1M rows/s)%n", "export ticks .parquet (tickreplay)",
            rate(ReplayBench.max(parquet)), ReplayBench.max(parquet) / bestPgBinary);
        System.out.printf(Locale.ROOT, "  %-48s %14s ticks/s  = %.2fx the ticks' parquet export (%,d rows)%n", "export features, all 7 signals, .parquet",
            rate(ReplayBench.max(featuresAll)), ReplayBench.max(featuresAll) / ReplayBench.max(parquet), featureRows);
        System.out.printf(Locale.ROOT, "  %-48s %14s ticks/s  = %.2fx the ticks' parquet export%n", "export features, no signals, .parquet",
            rate(ReplayBench.max(featuresNone)), ReplayBench.max(featuresNone) / ReplayBench.max(parquet));
        return out;
    }

    /** PostgreSQL's own COPY of the same per-symbol queries, into nothing. */
    private double copyOut(final PgExporter.Query query, final String options, final long expected) throws Exception
    {
        final long t0 = System.nanoTime();
        long rows = 0;
        try (Connection c = db.connection())
        {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement s = c.createStatement())
            {
                s.execute("SET LOCAL TimeZone = 'UTC'");
            }
            final CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
            for (final String symbol : SYMBOLS.stream().sorted().toList())
            {
                rows += copy.copyOut("COPY (" + query.select(symbol) + ") TO STDOUT " + options, OutputStream.nullOutputStream());
            }
            c.commit();
        }
        if (rows != expected)
        {
            throw new IllegalStateException("PostgreSQL's COPY moved " + rows + " rows of " + expected);
        }
        return rows * 1e9 / (System.nanoTime() - t0);
    }

    private static String rate(final double perSecond)
    {
        return String.format(Locale.ROOT, "%,.0f", perSecond);
    }
}
