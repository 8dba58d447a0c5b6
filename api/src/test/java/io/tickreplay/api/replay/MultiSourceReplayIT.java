package io.tickreplay.api.replay;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.chronicle.JournalManifest;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.export.ExportService;
import io.tickreplay.api.http.ApiServer;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Replays over several sources end to end on a real PostgreSQL: ibkr's NVDA, AAPL, MSFT and polygon's
 * NVDA (the same name, the same timestamps as ibkr's, other prices) and TSLA (ibkr's AAPL times one
 * microsecond later, interleaved), with polygon named first.
 */
class MultiSourceReplayIT
{
    private static final List<String> IBKR = List.of("NVDA", "AAPL", "MSFT");
    private static final List<String> POLYGON = List.of("TSLA", "NVDA");
    private static final Instant START = Instant.parse("2025-11-03T14:30:00Z");
    private static final Instant END = Instant.parse("2025-11-03T14:50:00Z");
    private static final List<ReplaySource> SOURCES = List.of(new ReplaySource("polygon", POLYGON, null, null), new ReplaySource("ibkr", IBKR, null, null));

    @TempDir
    static Path dir;

    private static Database db;
    private static InProcessBus bus;
    private static ReplayService service;
    private static ExportService exports;
    private static ApiServer api;
    private static String base;
    private static final List<BusMessage> RECEIVED = Collections.synchronizedList(new ArrayList<>());
    private static InProcessBus.Subscription subscription;

    @BeforeAll
    static void start() throws Exception
    {
        db = PostgresTestSupport.freshSchema("multisource");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("ibkr").symbols(IBKR).ticksPerSecond(4).seed(3);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("INSERT INTO tick_data SELECT 'polygon', 'NVDA', ts, seq, price + 1, size, bid, ask, bid_size, ask_size FROM tick_data " +
                "WHERE provider = 'ibkr' AND symbol = 'NVDA'");
            s.execute("INSERT INTO tick_data SELECT 'polygon', 'TSLA', ts + interval '1 microsecond', seq, price * 2, size, bid, ask, bid_size, ask_size " +
                "FROM tick_data WHERE provider = 'ibkr' AND symbol = 'AAPL'");
        }
        bus = new InProcessBus(1 << 14, new SleepingWaitStrategy());
        service = new ReplayService(db, bus, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(dir.resolve("journal"))
            .importDir(dir.resolve("imports")).ticksRingSize(1 << 14).progressIntervalMillis(100).metricsRetentionMinutes(0).signals(List.of("none")));
        exports = new ExportService(db, 2);
        api = new ApiServer(new ApiServer.Context().port(0).maxBodyBytes(16384).exportDir(dir.resolve("exports")), db, service, exports,
            new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT));
        base = "http://127.0.0.1:" + api.start();
        subscription = bus.subscribe("test", (m, end) ->
        {
            if (m.origin == BusMessage.ORIGIN_REPLAY)
            {
                RECEIVED.add(new BusMessage().copyFrom(m));
            }
        });
    }

    @AfterAll
    static void stop()
    {
        subscription.close();
        api.close();
        exports.close();
        service.close();
        db.close();
    }

    @Test
    void theStreamIsInTsSourceOrderSymbolSeqOrderAndKeepsTheSameSymbolOfTwoProvidersApart() throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromSources(SOURCES, START, END, 0));
        final ReplayOutcome outcome = run.done().get(120, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> expected = expected();
        assertThat(expected).anyMatch(t -> t.startsWith("polygon NVDA")).anyMatch(t -> t.startsWith("ibkr NVDA"));
        assertThat(received(run.runId())).hasSize(expected.size()).containsExactlyElementsOf(expected);
        assertThat(outcome.checksumHex()).isEqualTo(referenceChecksum(expected, true));

        // the same checksum every run, and from the journal without the database
        final ReplayOutcome again = service.start(ReplayRequest.fromSources(SOURCES, START, END, 0)).done().get(120, TimeUnit.SECONDS);
        assertThat(again.checksumHex()).isEqualTo(outcome.checksumHex());
        final JournalManifest manifest = JournalManifest.read(service.journalDirectory(run.runId()));
        assertThat(manifest.providers()).containsExactly("polygon", "polygon", "ibkr", "ibkr", "ibkr");
        assertThat(manifest.symbols()).containsExactly("NVDA", "TSLA", "AAPL", "MSFT", "NVDA");
        final ReplayRun replayed = service.start(ReplayRequest.fromJournal(run.runId(), 0));
        final ReplayOutcome fromJournal = replayed.done().get(120, TimeUnit.SECONDS);
        assertThat(fromJournal.checksumHex()).isEqualTo(outcome.checksumHex());
        assertThat(received(replayed.runId())).containsExactlyElementsOf(expected);

        final var job = service.jobs().find(run.runId()).orElseThrow();
        assertThat(job.provider()).isEqualTo("polygon,ibkr");
        assertThat(job.metadata().get("sources")).asList().hasSize(2);
        assertThatThrownBy(() -> service.resume(run.runId(), null)).isInstanceOf(ReplayService.ResumeRefused.class).hasMessageContaining("completed");
    }

    @Test
    void aOneSourceRunKeepsItsChecksumAndEqualsTheSameSourceGivenAsSources() throws Exception
    {
        final ReplayOutcome single = service.start(ReplayRequest.fromDatabase("ibkr", IBKR, START, END, 0)).done().get(120, TimeUnit.SECONDS);
        final ReplayOutcome asSources = service.start(ReplayRequest.fromSources(List.of(new ReplaySource("ibkr", IBKR, null, null)), START, END, 0))
            .done().get(120, TimeUnit.SECONDS);
        final List<String> ibkrOnly = expected().stream().filter(t -> t.startsWith("ibkr ")).toList();
        // the documented formula over the symbol names alone, as every run before several sources had it
        assertThat(single.checksumHex()).isEqualTo(referenceChecksum(ibkrOnly, false));
        assertThat(asSources.checksumHex()).isEqualTo(single.checksumHex());
    }

    @Test
    void signalsOfEachSourceAreThoseOfAOneSourceRunOfIt() throws Exception
    {
        final List<String> signals = List.of("vwap_deviation_bps", "spread_bps");
        final ReplayOutcome multi = service.start(ReplayRequest.fromSources(SOURCES, START, END, 0).withSignals(signals)).done().get(120, TimeUnit.SECONDS);
        assertThat(multi.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final Map<String, Double> polygonNvda = signalRows("polygon", "NVDA");
        final Map<String, Double> ibkrNvda = signalRows("ibkr", "NVDA");
        assertThat(polygonNvda).isNotEmpty();
        assertThat(ibkrNvda).isNotEmpty().isNotEqualTo(polygonNvda);
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("DELETE FROM signal_rows WHERE key_id IN (SELECT id FROM series_keys WHERE provider = 'ibkr')");
        }
        final ReplayOutcome single = service.start(ReplayRequest.fromDatabase("ibkr", IBKR, START, END, 0).withSignals(signals)).done().get(120, TimeUnit.SECONDS);
        assertThat(single.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(signalRows("ibkr", "NVDA")).isEqualTo(ibkrNvda);
    }

    @Test
    void theApiTakesSourcesAndRefusesWhatIsWrongNamingTheField() throws Exception
    {
        final HttpResponse<String> ok = post("{\"sources\": [{\"provider\": \"polygon\", \"symbols\": [\"NVDA\"]}, {\"provider\": \"ibkr\", " +
            "\"symbols\": [\"NVDA\"]}], \"start\": \"" + START + "\", \"end\": \"" + END + "\", \"speed\": 0, \"signals\": \"none\"}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("\"sources\"").contains("polygon,ibkr");
        final long runId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok.body()).get("run_id").asLong();
        final java.util.Optional<ReplayRun> running = service.active(runId);
        if (running.isPresent())
        {
            running.get().done().get(120, TimeUnit.SECONDS);
        }

        final String window = ", \"start\": \"" + START + "\", \"end\": \"" + END + "\"}";
        assertRefused(post("{\"provider\": \"ibkr\", \"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}]" + window), "provider");
        assertRefused(post("{\"symbols\": [\"NVDA\"], \"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}]" + window), "symbols");
        assertRefused(post("{\"start\": \"" + START + "\", \"end\": \"" + END + "\"}"), "provider");
        assertRefused(post("{\"sources\": []" + window), "sources");
        assertRefused(post("{\"sources\": [{\"provider\": \"ibkr\"}]" + window), "sources");
        assertRefused(post("{\"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"], \"colour\": 1}]" + window), "sources");
        assertRefused(post("{\"sources\": [{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}, {\"provider\": \"ibkr\", \"symbols\": [\"NVDA\"]}]" + window),
            "sources");
        assertRefused(post("{\"sources\": [{\"parquet\": \"/etc/*.parquet\", \"provider\": \"x\"}]" + window), "sources");
        assertRefused(post("{\"sources\": [{\"parquet\": \"../../*.parquet\", \"provider\": \"x\"}]" + window), "sources");
    }

    @Test
    void parquetFilesBesideTheDatabaseGiveTheStreamOfTheSameTicksInTheDatabase() throws Exception
    {
        // polygon's ticks as two Parquet files split in time, ties of a timestamp in reverse symbol order, no seq column
        final Path files = dir.resolve("imports").resolve("poly");
        java.nio.file.Files.createDirectories(files);
        writeParquet("polygon", POLYGON, files.resolve("a.parquet"), START.minusSeconds(3600), START.plusSeconds(600));
        writeParquet("polygon", POLYGON, files.resolve("b.parquet"), START.plusSeconds(600), END.plusSeconds(60));
        final ReplayOutcome fromDatabase = service.start(ReplayRequest.fromSources(SOURCES, START, END, 0)).done().get(120, TimeUnit.SECONDS);
        final ReplayRun mixed = service.start(ReplayRequest.fromSources(List.of(new ReplaySource("polygon", null, files.resolve("*.parquet").toString(), null),
            new ReplaySource("ibkr", IBKR, null, null)), START, END, 0));
        final ReplayOutcome outcome = mixed.done().get(120, TimeUnit.SECONDS);
        assertThat(outcome.status()).as(outcome.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(received(mixed.runId())).containsExactlyElementsOf(expected());
        assertThat(outcome.checksumHex()).isEqualTo(fromDatabase.checksumHex());
        @SuppressWarnings("unchecked")
        final Map<String, Object> first = (Map<String, Object>)((List<Object>)service.jobs().find(mixed.runId()).orElseThrow().metadata().get("sources")).get(0);
        assertThat(first.get("symbols")).isEqualTo(List.of("NVDA", "TSLA"));
        assertThat(first.get("files")).asList().hasSize(2);

        // the same files with naive New York times (as DuckDB's TIMESTAMP or pandas write them): tz gives the same stream, as import --tz would
        final Path ny = dir.resolve("imports").resolve("poly-ny");
        java.nio.file.Files.createDirectories(ny);
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:"); Statement s = duck.createStatement())
        {
            s.execute("SET TimeZone = 'UTC'");
            for (final String name : List.of("a", "b"))
            {
                s.execute("COPY (SELECT timezone('America/New_York', ts)::TIMESTAMP AS ts, * EXCLUDE (ts) FROM read_parquet('" + files.resolve(name + ".parquet") +
                    "')) TO '" + ny.resolve(name + ".parquet") + "' (FORMAT parquet)");
            }
        }
        final ReplayOutcome naive = service.start(ReplayRequest.fromSources(List.of(
            new ReplaySource("polygon", null, ny.resolve("*.parquet").toString(), null, "America/New_York"), new ReplaySource("ibkr", IBKR, null, null)),
            START, END, 0)).done().get(120, TimeUnit.SECONDS);
        assertThat(naive.status()).as(naive.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(naive.checksumHex()).isEqualTo(fromDatabase.checksumHex());
        final ReplayOutcome readAsUtc = service.start(ReplayRequest.fromSources(List.of(
            new ReplaySource("polygon", null, ny.resolve("*.parquet").toString(), null), new ReplaySource("ibkr", IBKR, null, null)),
            START, END, 0)).done().get(120, TimeUnit.SECONDS);
        assertThat(readAsUtc.checksumHex()).isNotEqualTo(fromDatabase.checksumHex());

        // the API reads them under replay.import-dir, by a path relative to it
        final HttpResponse<String> ok = post("{\"sources\": [{\"parquet\": \"poly/*.parquet\", \"provider\": \"polygon\", \"symbols\": [\"NVDA\", \"TSLA\"]}, " +
            "{\"provider\": \"ibkr\", \"symbols\": [\"NVDA\", \"AAPL\", \"MSFT\"]}], \"start\": \"" + START + "\", \"end\": \"" + END +
            "\", \"speed\": 0, \"signals\": \"none\"}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        final long runId = new com.fasterxml.jackson.databind.ObjectMapper().readTree(ok.body()).get("run_id").asLong();
        final java.util.Optional<ReplayRun> running = service.active(runId);
        if (running.isPresent())
        {
            assertThat(running.get().done().get(120, TimeUnit.SECONDS).checksumHex()).isEqualTo(fromDatabase.checksumHex());
        }
        assertThat(service.jobs().find(runId).orElseThrow().metadata().get("checksum")).isEqualTo(fromDatabase.checksumHex());

        // a file whose ticks go back in time fails the run, naming the file and the row
        final Path unsorted = dir.resolve("unsorted");
        java.nio.file.Files.createDirectories(unsorted);
        writeParquet("polygon", POLYGON, unsorted.resolve("1.parquet"), START.plusSeconds(600), END);
        writeParquet("polygon", POLYGON, unsorted.resolve("2.parquet"), START, START.plusSeconds(600));
        final ReplayOutcome failed = service.start(ReplayRequest.fromSources(List.of(new ReplaySource("polygon", POLYGON, unsorted + "/*.parquet", null)),
            START, END, 0)).done().get(120, TimeUnit.SECONDS);
        assertThat(failed.status()).isEqualTo(ReplayOutcome.Status.FAILED);
        assertThat(failed.errorMessage()).contains("2.parquet").contains("row 1").contains("sorted by ts");
    }

    /** {@code provider}'s ticks of [from, to) from tick_data into a Parquet file through DuckDB, each timestamp's symbols in reverse order. */
    private static void writeParquet(final String provider, final List<String> symbols, final Path file, final Instant from, final Instant to)
        throws Exception
    {
        try (Connection duck = java.sql.DriverManager.getConnection("jdbc:duckdb:");
             Connection pg = db.connection())
        {
            try (Statement s = duck.createStatement())
            {
                s.execute("SET TimeZone = 'UTC'");
                s.execute("CREATE TABLE t (ts TIMESTAMPTZ, seq INTEGER, symbol VARCHAR, price DOUBLE, size DOUBLE, bid DOUBLE, ask DOUBLE, " +
                    "bid_size DOUBLE, ask_size DOUBLE)");
            }
            try (PreparedStatement read = pg.prepareStatement("SELECT ts, seq, symbol, price, size, bid, ask, bid_size, ask_size FROM tick_data " +
                     "WHERE provider = ? AND symbol = ANY(?) AND ts >= ? AND ts < ?");
                 PreparedStatement insert = duck.prepareStatement("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            {
                read.setString(1, provider);
                read.setArray(2, pg.createArrayOf("text", symbols.toArray()));
                read.setObject(3, java.time.OffsetDateTime.ofInstant(from, java.time.ZoneOffset.UTC));
                read.setObject(4, java.time.OffsetDateTime.ofInstant(to, java.time.ZoneOffset.UTC));
                try (ResultSet rs = read.executeQuery())
                {
                    while (rs.next())
                    {
                        insert.setObject(1, rs.getObject(1, java.time.OffsetDateTime.class));
                        for (int k = 2; k <= 9; k++)
                        {
                            insert.setObject(k, rs.getObject(k));
                        }
                        insert.addBatch();
                    }
                }
                insert.executeBatch();
            }
            try (Statement s = duck.createStatement())
            {
                s.execute("COPY (SELECT ts, symbol, price, size, bid, ask, bid_size, ask_size FROM t ORDER BY ts, symbol DESC, seq) TO '" + file +
                    "' (FORMAT parquet)");
            }
        }
    }

    @Test
    void theCliReplaysRepeatedSourcesAndItsJournalGivesTheSameChecksum() throws Exception
    {
        final String journal = dir.resolve("cli-journal").toString();
        final io.tickreplay.api.cli.CliIT.Run live = io.tickreplay.api.cli.CliIT.run("replay", "--db-url", db.url(), "--journal-dir", journal,
            "--source", "provider=polygon;symbols=TSLA,NVDA", "--source", "provider=ibkr;symbols=NVDA,AAPL,MSFT",
            "--start", START.toString(), "--end", END.toString(), "--speed", "0", "--signals", "none");
        assertThat(live.exit()).as(live.err()).isZero();
        final com.fasterxml.jackson.databind.JsonNode job = new com.fasterxml.jackson.databind.ObjectMapper().readTree(live.out());
        assertThat(job.get("provider").asText()).isEqualTo("polygon,ibkr");
        assertThat(job.get("metadata").get("sources")).hasSize(2);
        final String checksum = job.get("metadata").get("checksum").asText();
        assertThat(checksum).isEqualTo(referenceChecksum(expected(), true));
        final io.tickreplay.api.cli.CliIT.Run replayed = io.tickreplay.api.cli.CliIT.run("replay", "--db-url", db.url(), "--journal-dir", journal,
            "--from-journal", job.get("run_id").asText(), "--speed", "0", "--signals", "none");
        assertThat(replayed.exit()).as(replayed.err()).isZero();
        assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(replayed.out()).get("metadata").get("checksum").asText()).isEqualTo(checksum);
        final io.tickreplay.api.cli.CliIT.Run resume = io.tickreplay.api.cli.CliIT.run("resume", "--db-url", db.url(), job.get("run_id").asText());
        assertThat(resume.exit()).isEqualTo(2);
    }

    private static void assertRefused(final HttpResponse<String> response, final String field)
    {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("\"field\":\"" + field + "\"");
    }

    private static HttpResponse<String> post(final String body) throws Exception
    {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/v1/replay/ticks"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The merged order as PostgreSQL sorts it: (ts, source order, symbol, seq), source 0 polygon, 1 ibkr. */
    private static List<String> expected() throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT provider, symbol, ts, seq, price, size, bid, ask, bid_size, ask_size FROM tick_data " +
                 "WHERE ((provider = 'polygon' AND symbol = ANY(?)) OR (provider = 'ibkr' AND symbol = ANY(?))) AND ts >= ? AND ts < ? " +
                 "ORDER BY ts, CASE provider WHEN 'polygon' THEN 0 ELSE 1 END, symbol COLLATE \"C\", seq"))
        {
            s.setArray(1, c.createArrayOf("text", POLYGON.toArray()));
            s.setArray(2, c.createArrayOf("text", IBKR.toArray()));
            s.setObject(3, java.time.OffsetDateTime.ofInstant(START, java.time.ZoneOffset.UTC));
            s.setObject(4, java.time.OffsetDateTime.ofInstant(END, java.time.ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    final StringBuilder row = new StringBuilder().append(rs.getString(1)).append(' ').append(rs.getString(2)).append(' ')
                        .append(Micros.of(rs.getObject(3, java.time.OffsetDateTime.class).toInstant())).append(' ').append(rs.getInt(4));
                    for (int k = 5; k <= 10; k++)
                    {
                        final double v = rs.getDouble(k);
                        row.append(' ').append(rs.wasNull() ? Double.NaN : v);
                    }
                    out.add(row.toString());
                }
            }
        }
        return out;
    }

    private static List<String> received(final long runId) throws InterruptedException
    {
        assertThat(subscription.awaitCaughtUp(30_000)).isTrue();
        final List<String> out = new ArrayList<>();
        synchronized (RECEIVED)
        {
            for (final BusMessage m : RECEIVED)
            {
                if (m.replayRunId == runId)
                {
                    out.add(m.provider + " " + m.symbol + " " + m.tsMicros + " " + m.seq + " " + m.price + " " + m.size + " " + m.bid + " " + m.ask + " " +
                        m.bidSize + " " + m.askSize);
                }
            }
        }
        return out;
    }

    /**
     * The stream checksum as docs/replay.md defines it, written out here independently of the engine:
     * {@code h = mix(h * 31 + mix(field))} from 0x9E3779B97F4A7C15 over the FNV-1a hash of the symbol's
     * name (in a run over several providers: provider, NUL, symbol), ts, seq and the IEEE bits of the six values.
     */
    private static String referenceChecksum(final List<String> rows, final boolean qualified)
    {
        long h = 0x9E3779B97F4A7C15L;
        for (final String row : rows)
        {
            final String[] f = row.split(" ");
            final String key = qualified ? f[0] + '\u0000' + f[1] : f[1];
            long fnv = 0xCBF29CE484222325L;
            for (final byte b : key.getBytes(StandardCharsets.UTF_8))
            {
                fnv = (fnv ^ (b & 0xff)) * 0x100000001B3L;
            }
            h = mix(h * 31 + mix(fnv));
            h = mix(h * 31 + Long.parseLong(f[2]));
            h = mix(h * 31 + Integer.parseInt(f[3]));
            for (int k = 4; k < 10; k++)
            {
                h = mix(h * 31 + Double.doubleToLongBits(Double.parseDouble(f[k])));
            }
        }
        return String.format("%016x", h);
    }

    private static long mix(final long x)
    {
        long z = x;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Map<String, Double> signalRows(final String provider, final String symbol) throws Exception
    {
        final Map<String, Double> out = new LinkedHashMap<>();
        try (Connection c = db.connection();
             PreparedStatement s = c.prepareStatement("SELECT ts, name, value FROM signals WHERE provider = ? AND symbol = ? ORDER BY ts, name"))
        {
            s.setString(1, provider);
            s.setString(2, symbol);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    out.put(rs.getObject(1, java.time.OffsetDateTime.class).toInstant() + " " + rs.getString(2), rs.getDouble(3));
                }
            }
        }
        return out;
    }
}
