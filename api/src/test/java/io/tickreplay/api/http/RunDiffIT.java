package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.adapters.sink.SignalMetadata;
import io.tickreplay.api.cli.CliIT;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.RunManifest;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.tickreplay.api.http.ApiServices.call;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two runs side by side, as {@code tickreplay diff} and {@code GET /v1/runs/diff} compare them, on a real
 * PostgreSQL with real journals: equal runs, a run over data changed in between, a run with a setting that
 * changes its rows, and runs that cannot be compared.
 */
class RunDiffIT
{
    private static final List<String> SYMBOLS = List.of("AAPL", "MSFT", "NVDA");
    private static final List<String> SIGNALS = List.of("vwap_deviation_bps", "spread_bps", "tick_rate_zscore", "rsi_14");
    private static final Instant START = Instant.parse("2025-11-03T15:00:00Z");
    private static final Instant END = Instant.parse("2025-11-03T15:20:00Z");

    @TempDir
    static Path dir;

    private static ApiServices services;
    private static ApiServer server;
    private static String base;
    private static String url;

    @BeforeAll
    static void start() throws Exception
    {
        services = new ApiServices("rundiff", new SyntheticSession.Context().provider("ibkr").symbols(SYMBOLS).ticksPerSecond(2).seed(11),
            context());
        server = services.server(new ApiServer.Context().port(0).exportDir(dir.resolve("exports")));
        base = "http://127.0.0.1:" + server.start();
        url = services.db.url();
    }

    @AfterAll
    static void stop()
    {
        server.close();
        services.close();
    }

    private static ReplayService.Context context()
    {
        return new ReplayService.Context().journalDir(dir.resolve("journal")).ticksRingSize(1 << 14).progressIntervalMillis(100)
            .metricsRetentionMinutes(0).threadingMode("invoker");
    }

    private static long replay(final ReplayService service, final List<String> signals, final boolean journal, final String sink) throws Exception
    {
        final ReplayRun run = service.start(new ReplayRequest("ibkr", SYMBOLS, START, END, 0.0, null, journal, signals, sink));
        final ReplayOutcome outcome = run.done().get(120, TimeUnit.SECONDS);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        // the job row is written after the outcome: wait for its manifest to say so
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!"completed".equals(manifestOf(run.runId()).path("status").asText()) && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        return run.runId();
    }

    private static long replay() throws Exception
    {
        return replay(services.replays, SIGNALS, true, "postgres");
    }

    private static JsonNode manifestOf(final long runId) throws Exception
    {
        final ApiServices.Reply reply = call("GET", base + "/v1/replay/ticks/" + runId + "/manifest", null);
        return reply.status() == 200 ? reply.json() : ApiServices.JSON.createObjectNode();
    }

    private static JsonNode diff(final long a, final long b) throws Exception
    {
        final ApiServices.Reply reply = call("GET", base + "/v1/runs/diff?a=" + a + "&b=" + b, null);
        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        return reply.json();
    }

    private static List<String> entries(final JsonNode diff)
    {
        final List<String> out = new ArrayList<>();
        diff.path("manifest").path("differences").forEach(d -> out.add(d.get("entry").asText() + ": " + d.get("a") + " -> " + d.get("b")));
        return out;
    }

    private static JsonNode signal(final JsonNode diff, final String name)
    {
        for (final JsonNode s : diff.path("signals").path("names"))
        {
            if (s.get("name").asText().equals(name))
            {
                return s;
            }
        }
        throw new AssertionError("no " + name + " in " + diff);
    }

    private static long count(final String sql, final Object... args) throws Exception
    {
        try (Connection c = services.db.connection(); PreparedStatement s = c.prepareStatement(sql))
        {
            for (int i = 0; i < args.length; i++)
            {
                s.setObject(i + 1, args[i] instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : args[i]);
            }
            try (ResultSet rs = s.executeQuery())
            {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void update(final String sql, final Object... args) throws Exception
    {
        try (Connection c = services.db.connection(); PreparedStatement s = c.prepareStatement(sql))
        {
            for (int i = 0; i < args.length; i++)
            {
                s.setObject(i + 1, args[i] instanceof Instant t ? OffsetDateTime.ofInstant(t, ZoneOffset.UTC) : args[i]);
            }
            assertThat(s.executeUpdate()).isEqualTo(1);
        }
    }

    @Test
    void twoRunsOfTheSameWindowAndSettingsAreEqualEverywhere() throws Exception
    {
        final long a = replay();
        final long b = replay();

        final JsonNode ma = manifestOf(a);
        assertThat(ma).isEqualTo(manifestOf(b));
        assertThat(ma.get("status").asText()).isEqualTo("completed");
        assertThat(ma.at("/code/commit").asText()).isNotBlank();
        assertThat(ma.at("/settings/sink").asText()).isEqualTo("postgres");
        assertThat(ma.at("/settings/signals_metadata").asText()).isEqualTo("full");
        assertThat(ma.at("/settings/bar_intervals").toString()).isEqualTo("[\"1m\",\"5m\",\"1h\"]");
        assertThat(ma.at("/signals/3/name").asText()).isEqualTo("rsi_14");
        assertThat(ma.at("/signals/3/parameters/period").asInt()).isEqualTo(14);
        assertThat(ma.at("/signals/2/parameters/buckets").asInt()).isEqualTo(60);
        // each symbol's count is what the store holds in the window
        for (final JsonNode d : ma.get("data"))
        {
            assertThat(d.get("ticks").asLong()).as(d.toString()).isEqualTo(count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' AND symbol = ? " +
                "AND ts >= ? AND ts < ?", d.get("symbol").asText(), START, END)).isPositive();
            assertThat(d.get("checksum").asText()).hasSize(16);
            // and apart, what it read before the window for the signals' warm-up (the session opens at 14:30)
            assertThat(d.get("warmup_ticks").asLong()).as(d.toString()).isEqualTo(count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' " +
                "AND symbol = ? AND ts < ?", d.get("symbol").asText(), START)).isPositive();
        }
        assertThat(ma.get("data")).hasSize(3);
        // no host, process or timing: nothing that differs between equal runs
        final List<String> keys = new ArrayList<>();
        collectKeys(ma, keys);
        assertThat(keys).isNotEmpty().noneMatch(k -> k.contains("host") || k.contains("pid") || k.contains("elapsed") || k.endsWith("_at") ||
            k.contains("speed") || k.contains("lag") || k.contains("per_second") || k.contains("max_gap") || k.contains("shards") || k.contains("thread") ||
            k.equals("run_id"));
        // the same manifest beside the journal
        final String journal = services.replays.jobs().find(a).orElseThrow().metadata().get("journal").toString();
        final JsonNode beside = ApiServices.JSON.valueToTree(RunManifest.read(Path.of(journal)).orElseThrow().toMap());
        assertThat(beside).isEqualTo(ma);

        final JsonNode diff = diff(a, b);
        assertThat(diff.get("equal").asBoolean()).isTrue();
        assertThat(entries(diff)).isEmpty();
        assertThat(diff.at("/checksum/agree").asBoolean()).isTrue();
        assertThat(diff.at("/stream/compared").asBoolean()).isTrue();
        assertThat(diff.at("/stream/diverges").asBoolean()).isFalse();
        assertThat(diff.at("/stream/ticks").asLong()).isEqualTo(count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' AND ts >= ? AND ts < ?",
            START, END));
        assertThat(diff.at("/signals/names")).hasSize(SIGNALS.size());
        for (final JsonNode s : diff.at("/signals/names"))
        {
            assertThat(s.get("differing").asLong()).as(s.toString()).isZero();
            assertThat(s.get("rows_a").asLong()).as(s.toString()).isEqualTo(s.get("rows_b").asLong()).isPositive();
        }

        final CliIT.Run cli = CliIT.run("diff", "--db-url", url, String.valueOf(a), String.valueOf(b));
        assertThat(cli.exit()).as(cli.out() + cli.err()).isZero();
        assertThat(cli.out()).startsWith("runs " + a + " and " + b + ": equal\n").contains("manifest: equal").contains("(agree)")
            .contains("stream: no divergence");
        final CliIT.Run json = CliIT.run("diff", "--db-url", url, "--json", String.valueOf(a), String.valueOf(b));
        assertThat(json.exit()).isZero();
        assertThat(ApiServices.JSON.readTree(json.out())).isEqualTo(diff);
    }

    private static void collectKeys(final JsonNode node, final List<String> keys)
    {
        if (node.isObject())
        {
            for (final Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); )
            {
                final Map.Entry<String, JsonNode> e = it.next();
                keys.add(e.getKey());
                collectKeys(e.getValue(), keys);
            }
        }
        else if (node.isArray())
        {
            node.forEach(n -> collectKeys(n, keys));
        }
    }

    @Test
    void aPriceChangedBetweenTwoRunsIsNamedWhereItIs() throws Exception
    {
        final long a = replay();
        // the 40th NVDA tick of the window: its place in the stream is the ticks before it in (ts, symbol, seq)
        final Instant ts;
        final int seq;
        final double price;
        try (Connection c = services.db.connection(); PreparedStatement s = c.prepareStatement("SELECT ts, seq, price FROM tick_data " +
            "WHERE provider = 'ibkr' AND symbol = 'NVDA' AND ts >= ? AND ts < ? ORDER BY ts, seq OFFSET 39 LIMIT 1"))
        {
            s.setObject(1, OffsetDateTime.ofInstant(START, ZoneOffset.UTC));
            s.setObject(2, OffsetDateTime.ofInstant(END, ZoneOffset.UTC));
            try (ResultSet rs = s.executeQuery())
            {
                assertThat(rs.next()).isTrue();
                ts = rs.getObject(1, OffsetDateTime.class).toInstant();
                seq = rs.getInt(2);
                price = rs.getDouble(3);
            }
        }
        final long index = count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' AND ts >= ? AND (ts < ? OR (ts = ? AND " +
            "(symbol < 'NVDA' OR (symbol = 'NVDA' AND seq < ?))))", START, ts, ts, seq);
        final double changed = price + 0.25;
        update("UPDATE tick_data SET price = ? WHERE provider = 'ibkr' AND symbol = 'NVDA' AND ts = ? AND seq = ?", changed, ts, seq);
        final long b;
        try
        {
            b = replay();
        }
        finally
        {
            update("UPDATE tick_data SET price = ? WHERE provider = 'ibkr' AND symbol = 'NVDA' AND ts = ? AND seq = ?", price, ts, seq);
        }

        final JsonNode diff = diff(a, b);
        assertThat(diff.get("equal").asBoolean()).isFalse();
        final JsonNode ma = manifestOf(a);
        final JsonNode mb = manifestOf(b);
        assertThat(entries(diff)).containsExactly("data.ibkr:NVDA.checksum: " + ma.at("/data/2/checksum") + " -> " + mb.at("/data/2/checksum"));
        assertThat(ma.at("/data/2/symbol").asText()).isEqualTo("NVDA");
        assertThat(diff.at("/checksum/agree").asBoolean()).isFalse();
        assertThat(diff.at("/stream/diverges").asBoolean()).isTrue();
        final JsonNode first = diff.at("/stream/first");
        assertThat(first.get("index").asLong()).isEqualTo(index);
        assertThat(first.get("ts").asText()).isEqualTo(ts.toString());
        assertThat(first.get("symbol").asText()).isEqualTo("NVDA");
        assertThat(first.get("field").asText()).isEqualTo("price");
        assertThat(first.get("a").asDouble()).isEqualTo(price);
        assertThat(first.get("b").asDouble()).isEqualTo(changed);

        // VWAP moves for every NVDA time from the change on; the spread and the tick rate do not see prices
        final JsonNode vwap = signal(diff, "vwap_deviation_bps");
        assertThat(vwap.get("differing").asLong()).isEqualTo(count("SELECT count(DISTINCT ts) FROM tick_data WHERE provider = 'ibkr' AND symbol = 'NVDA' " +
            "AND ts >= ? AND ts < ?", ts, END));
        assertThat(vwap.get("only_in_a").asLong()).isZero();
        assertThat(vwap.at("/first/symbol").asText()).isEqualTo("NVDA");
        assertThat(vwap.at("/first/ts").asText()).isEqualTo(ts.toString());
        assertThat(vwap.at("/first/field").asText()).isEqualTo("value");
        assertThat(vwap.at("/first/a").asDouble()).isNotEqualTo(vwap.at("/first/b").asDouble());
        assertThat(signal(diff, "spread_bps").get("differing").asLong()).isZero();
        assertThat(signal(diff, "tick_rate_zscore").get("differing").asLong()).isZero();

        final CliIT.Run cli = CliIT.run("diff", "--db-url", url, String.valueOf(a), String.valueOf(b));
        assertThat(cli.exit()).as(cli.out() + cli.err()).isEqualTo(1);
        assertThat(cli.out()).startsWith("runs " + a + " and " + b + ": different\n")
            .contains("  data ibkr:NVDA checksum: " + ma.at("/data/2/checksum").asText() + " -> " + mb.at("/data/2/checksum").asText() + "\n")
            .contains("stream: diverges at tick " + String.format("%,d", index) + " (" + ts + " ibkr:NVDA): price " + price + " -> " + changed + "\n")
            .contains("  vwap_deviation_bps: " + String.format("%,d", vwap.get("differing").asLong()) + " rows differ")
            .contains("  spread_bps: equal");
    }

    @Test
    void anInsertedTickIsCountedForItsSymbol() throws Exception
    {
        final long a = replay();
        final Instant at = Instant.parse("2025-11-03T15:10:00.000001Z");
        final long before = count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' AND ts >= ? AND ts < ?", START, at);
        final long aapl = count("SELECT count(*) FROM tick_data WHERE provider = 'ibkr' AND symbol = 'AAPL' AND ts >= ? AND ts < ?", START, END);
        update("INSERT INTO tick_data (provider, symbol, ts, seq, price, size) VALUES ('ibkr', 'AAPL', ?, 0, 100.0, 1.0)", at);
        final long b;
        try
        {
            b = replay();
        }
        finally
        {
            update("DELETE FROM tick_data WHERE provider = 'ibkr' AND symbol = 'AAPL' AND ts = ? AND seq = 0", at);
        }
        final JsonNode diff = diff(a, b);
        assertThat(entries(diff)).hasSize(2).startsWith("data.ibkr:AAPL.ticks: " + aapl + " -> " + (aapl + 1));
        assertThat(entries(diff).get(1)).startsWith("data.ibkr:AAPL.checksum: ");
        final JsonNode first = diff.at("/stream/first");
        assertThat(first.get("index").asLong()).isEqualTo(before);
        assertThat(first.at("/tick_b/ts").asText()).isEqualTo(at.toString());
        assertThat(first.at("/tick_b/symbol").asText()).isEqualTo("AAPL");
        assertThat(first.get("field").asText()).isIn("ts", "symbol");
        assertThat(signal(diff, "tick_rate_zscore").get("only_in_b").asLong()).isPositive();
        final CliIT.Run cli = CliIT.run("diff", "--db-url", url, String.valueOf(a), String.valueOf(b));
        assertThat(cli.exit()).isEqualTo(1);
        assertThat(cli.out()).contains("  data ibkr:AAPL ticks: " + String.format("%,d", aapl) + " -> " + String.format("%,d", aapl + 1) + "\n");
    }

    @Test
    void aSettingThatChangesRowsIsNamedAndTheStreamsStillAgree() throws Exception
    {
        final long a = replay();
        final long b;
        try (ReplayService lean = new ReplayService(services.db, services.bus, services.registry, context().signalMetadata(SignalMetadata.Mode.NONE)))
        {
            b = replay(lean, SIGNALS, true, "postgres");
        }
        final JsonNode diff = diff(a, b);
        assertThat(entries(diff)).containsExactly("settings.signals_metadata: \"full\" -> \"none\"");
        assertThat(diff.at("/checksum/agree").asBoolean()).isTrue();
        assertThat(diff.at("/stream/diverges").asBoolean()).isFalse();
        final JsonNode spread = signal(diff, "spread_bps");
        assertThat(spread.get("differing").asLong()).isEqualTo(spread.get("rows_a").asLong()).isPositive();
        assertThat(spread.at("/first/field").asText()).isEqualTo("metadata mid");
        assertThat(spread.at("/first/b").isNull()).isTrue();

        // another signal set: the signal one run lacks is named, with its rows only in the other
        final long c = replay(services.replays, List.of("vwap_deviation_bps", "spread_bps", "tick_rate_zscore"), true, "postgres");
        final JsonNode fewer = diff(a, c);
        assertThat(entries(fewer)).containsExactly("signals.rsi_14: \"computed\" -> null");
        assertThat(signal(fewer, "rsi_14").get("only_in_a").asLong()).isEqualTo(signal(fewer, "rsi_14").get("rows_a").asLong()).isPositive();
        assertThat(signal(fewer, "vwap_deviation_bps").get("differing").asLong()).isZero();
        final CliIT.Run cli = CliIT.run("diff", "--db-url", url, String.valueOf(a), String.valueOf(b));
        assertThat(cli.exit()).isEqualTo(1);
        assertThat(cli.out()).contains("  settings.signals_metadata: full -> none\n");
    }

    @Test
    void runsThatCannotBeComparedSayWhy() throws Exception
    {
        final long a = replay();
        final CliIT.Run unknown = CliIT.run("diff", "--db-url", url, String.valueOf(a), "999999");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("there is no replay run 999999");
        final ApiServices.Reply missing = call("GET", base + "/v1/runs/diff?a=999998&b=" + a, null);
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.json().get("field").asText()).isEqualTo("a");
        final ApiServices.Reply noB = call("GET", base + "/v1/runs/diff?a=" + a, null);
        assertThat(noB.status()).isEqualTo(400);
        assertThat(noB.json().get("field").asText()).isEqualTo("b");
        final ApiServices.Reply tolerance = call("GET", base + "/v1/runs/diff?a=" + a + "&b=" + a + "&tolerance=-1", null);
        assertThat(tolerance.status()).isEqualTo(400);
        assertThat(tolerance.json().get("field").asText()).isEqualTo("tolerance");
        assertThat(call("GET", base + "/v1/replay/ticks/999999/manifest", null).status()).isEqualTo(404);

        // neither a journal nor rows: nothing to compare
        final long bare = replay(services.replays, SIGNALS, false, "none");
        final ApiServices.Reply nothing = call("GET", base + "/v1/runs/diff?a=" + a + "&b=" + bare, null);
        assertThat(nothing.status()).isEqualTo(409);
        assertThat(nothing.json().get("field").asText()).isEqualTo("b");
        final CliIT.Run cli = CliIT.run("diff", "--db-url", url, "--json", String.valueOf(a), String.valueOf(bare));
        assertThat(cli.exit()).isEqualTo(2);
        assertThat(ApiServices.JSON.readTree(cli.out()).get("error").asText()).contains("neither a journal nor signal rows");

        // a run without a journal but with rows is compared by its checksum and rows
        final long noJournal = replay(services.replays, SIGNALS, false, "postgres");
        final JsonNode partly = diff(a, noJournal);
        assertThat(partly.at("/stream/compared").asBoolean()).isFalse();
        assertThat(partly.at("/stream/reason").asText()).contains("replay run " + noJournal + " has no journal");
        assertThat(partly.at("/checksum/agree").asBoolean()).isTrue();
        assertThat(partly.get("equal").asBoolean()).isTrue();
    }

    /** The manifest's window is the request's, and its warm-up starts before it. */
    @Test
    void theManifestsWindowIsTheRequests() throws Exception
    {
        final JsonNode m = manifestOf(replay());
        assertThat(m.at("/window/start").asText()).isEqualTo(START.toString());
        assertThat(m.at("/window/end").asText()).isEqualTo(END.toString());
        assertThat(Micros.of(Instant.parse(m.at("/window/warmup_from").asText()))).isLessThan(Micros.of(START));
        assertThat(m.at("/sources/0/kind").asText()).isEqualTo("database");
        assertThat(m.at("/sources/0/symbols").toString()).isEqualTo("[\"AAPL\",\"MSFT\",\"NVDA\"]");
    }
}
