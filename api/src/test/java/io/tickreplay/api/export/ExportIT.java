package io.tickreplay.api.export;

import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.engine.synth.SyntheticSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/** Exports from a real PostgreSQL, read back by an independent reader (DuckDB). */
class ExportIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");

    private static Database db;
    private static ExportService exports;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("export");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(2).seed(11);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        // bars and signals made by SQL here, so that the export is checked against rows it did not make
        execute("INSERT INTO bars_ohlcv SELECT provider, symbol, '1m', date_trunc('minute', ts), (array_agg(price ORDER BY ts, seq))[1], max(price), " +
            "min(price), (array_agg(price ORDER BY ts DESC, seq DESC))[1], sum(size), count(*), sum(price * size) / sum(size) FROM tick_data " +
            "GROUP BY provider, symbol, date_trunc('minute', ts)");
        execute("INSERT INTO signals (provider, symbol, ts, name, value, metadata) SELECT DISTINCT ON (provider, symbol, ts) provider, symbol, ts, " +
            "'spread_bps', (ask - bid) / ((ask + bid) / 2) * 10000, jsonb_build_object('origin', 'replay', 'bid', bid, 'ask', ask) FROM tick_data " +
            "ORDER BY provider, symbol, ts, seq DESC");
        exports = new ExportService(db, 2);
    }

    @AfterAll
    static void stop()
    {
        exports.close();
        db.close();
    }

    private static void execute(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute(sql);
        }
    }

    private static double[] sql(final String sql) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3)};
        }
    }

    private static double[] duck(final String sql) throws Exception
    {
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            rs.next();
            return new double[] {rs.getDouble(1), rs.getDouble(2), rs.getDouble(3)};
        }
    }

    @ParameterizedTest(name = "{0} to {1}")
    @CsvSource({
        "ticks,   csv,     'count(*), sum(price), sum(size)',                 tick_data",
        "ticks,   csv.gz,  'count(*), sum(price), count(bid)',                tick_data",
        "ticks,   parquet, 'count(*), sum(price), sum(epoch_us(ts)) / 1e12',  tick_data",
        "bars,    csv,     'count(*), sum(close), sum(trade_count)',          bars_ohlcv",
        "bars,    parquet, 'count(*), sum(vwap), sum(volume)',                bars_ohlcv",
        "signals, csv.gz,  'count(*), sum(value), count(metadata)',           signals",
        "signals, parquet, 'count(*), sum(value), count(metadata)',           signals"})
    void exportsEachDatasetInEachFormatAndAnIndependentReaderFindsTheSameRows(final String dataset, final String format, final String aggregates,
        final String table) throws Exception
    {
        final Path output = dir.resolve("out").resolve(dataset + "." + format);
        final JobRunStore.JobRun job = exports.run(new ExportRequest(dataset, "ibkr", SYMBOLS, START, END, null, output.toString(), null, false));
        assertThat(job.status()).as(job.errorMessage()).isEqualTo("completed");
        assertThat(job.jobName()).isEqualTo("tick_export");
        assertThat(job.metadata()).containsEntry("output", output.toString()).containsEntry("format", format).containsEntry("dataset", dataset);
        try (var files = Files.list(output.getParent()))
        {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary file left").noneMatch(n -> n.endsWith(".tmp"));
        }

        final String pgAggregates = aggregates.replace("sum(epoch_us(ts)) / 1e12", "sum(extract(epoch FROM ts) * 1e6) / 1e12");
        final double[] expected = sql("SELECT " + pgAggregates + " FROM " + table + " WHERE provider = 'ibkr'" + (dataset.equals("bars") ? " AND interval = '1m'" : ""));
        assertThat(expected[0]).isPositive();
        assertThat(job.rowsWritten()).isEqualTo((long)expected[0]);
        final String reader = format.equals("parquet") ? "read_parquet('" + output + "')" : "read_csv('" + output + "', header = true)";
        final double[] actual = duck("SELECT " + aggregates + " FROM " + reader);
        for (int i = 0; i < 3; i++)
        {
            assertThat(actual[i]).as(aggregates.split(",")[i]).isCloseTo(expected[i], within(1e-9 * Math.max(1, Math.abs(expected[i]))));
        }
        try (ResultSet rs = DriverManager.getConnection("jdbc:duckdb:").createStatement().executeQuery(
            "SELECT max(ts) FROM " + reader))
        {
            rs.next();
            assertThat(rs.getObject(1, java.time.OffsetDateTime.class).toInstant()).isEqualTo(job.maxTs());
        }
    }

    @Test
    void sinceLastExportsOnlyTheRowsNewerThanTheLastCompletedExportOfTheSameQuery() throws Exception
    {
        final Instant end = Instant.parse("2025-11-05T00:00:00Z");
        final ExportRequest first = new ExportRequest("ticks", "ibkr", List.of("NVDA"), START, end, null, dir.resolve("a.csv").toString(), null, true);
        final JobRunStore.JobRun all = exports.run(first);
        assertThat(all.rowsWritten()).isEqualTo((long)sql("SELECT count(*), 0, 0 FROM tick_data WHERE provider = 'ibkr' AND symbol = 'NVDA'")[0]);
        // a later session's ticks arrive
        execute("INSERT INTO tick_data (provider, symbol, ts, seq, price, size) SELECT 'ibkr', 'NVDA', '2025-11-04T14:30:00Z'::timestamptz + i * interval '1 s', 0, 100 + i, 1 " +
            "FROM generate_series(1, 25) i");
        final JobRunStore.JobRun next = exports.run(new ExportRequest("ticks", "ibkr", List.of("NVDA"), START, end, null, dir.resolve("b.parquet").toString(), null, true));
        assertThat(next.status()).isEqualTo("completed");
        assertThat(next.rowsWritten()).isEqualTo(25);
        assertThat(next.metadata()).containsEntry("after", all.maxTs().toString());
        assertThat(duck("SELECT count(*), min(price), max(price) FROM read_parquet('" + dir.resolve("b.parquet") + "')")).containsExactly(25, 101, 125);
        // nothing newer: an empty file, and the mark stays where it was
        final JobRunStore.JobRun none = exports.run(new ExportRequest("ticks", "ibkr", List.of("NVDA"), START, end, null, dir.resolve("c.csv").toString(), null, true));
        assertThat(none.rowsWritten()).isZero();
        assertThat(none.maxTs()).isEqualTo(next.maxTs());
        assertThat(Files.readAllLines(dir.resolve("c.csv"))).containsExactly("provider,symbol,ts,seq,price,size,bid,ask,bid_size,ask_size");
        // another query (another symbol) has its own mark
        assertThat(exports.run(new ExportRequest("ticks", "ibkr", List.of("AAPL"), START, end, null, dir.resolve("d.csv").toString(), null, true))
            .rowsWritten()).isPositive();
    }

    @Test
    void badRequestsNameTheirFieldAndStartNothing() throws Exception
    {
        final String out = dir.resolve("x.csv").toString();
        assertField(new ExportRequest("quotes", "ibkr", SYMBOLS, START, END, null, out, null, false), "dataset");
        assertField(new ExportRequest("ticks", "ibkr", List.of(), START, END, null, out, null, false), "symbols");
        assertField(new ExportRequest("ticks", "ibkr", SYMBOLS, END, START, null, out, null, false), "end");
        assertField(new ExportRequest("bars", "ibkr", SYMBOLS, START, END, "2m", out, null, false), "interval");
        assertField(new ExportRequest("ticks", "ibkr", SYMBOLS, START, END, "1m", out, null, false), "interval");
        assertField(new ExportRequest("ticks", "ibkr", SYMBOLS, START, END, null, dir.resolve("x.xlsx").toString(), null, false), "output");
        assertField(new ExportRequest("ticks", "ibkr", SYMBOLS, START, END, null, out, "feather", false), "format");
        assertField(new ExportRequest("ticks", "ib'kr", SYMBOLS, START, END, null, out, null, false), "provider");
        assertThat(Files.exists(dir.resolve("x.csv"))).isFalse();
    }

    private static void assertField(final ExportRequest request, final String field) throws Exception
    {
        final long jobs = (long)sql("SELECT count(*), 0, 0 FROM job_runs WHERE job_name = 'tick_export'")[0];
        assertThatThrownBy(() -> exports.start(request)).isInstanceOfSatisfying(ReplayRequest.InvalidField.class,
            e -> assertThat(e.field()).isEqualTo(field));
        assertThat((long)sql("SELECT count(*), 0, 0 FROM job_runs WHERE job_name = 'tick_export'")[0]).as("no job started").isEqualTo(jobs);
    }

    @Test
    void aFailureMidExportLeavesNoFileAndAFailedJobWithItsMessage() throws Exception
    {
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("big").symbols(List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA"))
            .ticksPerSecond(8).seed(3);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        final Path output = dir.resolve("big.csv.gz");
        // claimed as the API claims a name: a failure gives the claim back too
        final ExportService.ExportJob job = exports.startExclusive(new ExportRequest("ticks", "big", ctx.symbols(), START, END, null, output.toString(), null,
            false));
        // the first symbol is out: the server goes away under the export of the next ones
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5)).until(() -> job.rows().get() > 0 || job.done().isDone());
        execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT \"provider\"%' AND pid <> pg_backend_pid()");
        final JobRunStore.JobRun failed = job.done().get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.errorMessage()).isNotBlank();
        assertThat(failed.completedAt()).isNotNull();
        assertThat(failed.rowsWritten()).as("no file, so no rows written").isZero();
        assertThat(output).doesNotExist();
        try (var files = Files.list(dir))
        {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("big.csv.gz"));
        }
    }
}
