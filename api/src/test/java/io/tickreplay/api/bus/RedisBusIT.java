package io.tickreplay.api.bus;

import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.adapters.redis.RedisConsumerLoop;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.StreamChecksum;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Replays onto a real Redis (Debian's redis-server, a child process) and consumer groups sharing its stream shards. */
class RedisBusIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");

    private static Process redisServer;
    private static String url;
    private static int port;
    private static RedisClient client;
    private static Database db;
    private static InProcessBus inProcess;
    private static Buses buses;
    private static ReplayService service;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        redisServer = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        url = "redis://127.0.0.1:" + port;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
        {
            RedisBus.connect(url, Duration.ofSeconds(1)).close();
            return true;
        });
        client = RedisClient.create(url);
        db = PostgresTestSupport.freshSchema("redisbus");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("rb").symbols(SYMBOLS).ticksPerSecond(0.4).seed(12);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000));
        buses = new Buses(inProcess, new Buses.Settings(4, 4, 0), new SimpleMeterRegistry());
        service = new ReplayService(db, buses, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(dir.resolve("journal"))
            .progressIntervalMillis(200).metricsRetentionMinutes(0));
    }

    @AfterAll
    static void stop() throws Exception
    {
        service.close();
        buses.close();
        inProcess.close();
        client.shutdown();
        db.close();
        redisServer.destroy();
        redisServer.waitFor(10, TimeUnit.SECONDS);
    }

    private static ReplayRun replay(final String prefix, final double speed) throws Exception
    {
        return service.start(ReplayRequest.fromDatabase("rb", SYMBOLS, START, END, speed).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice("redis", url, prefix)));
    }

    @Test
    void aReplayReadBackWithXrangeIsTheReplaysStreamAndRedisCliReadsIt() throws Exception
    {
        final ReplayOutcome outcome = replay("rb.readback", 0).done().get(5, TimeUnit.MINUTES);
        assertThat(outcome.status()).as(outcome.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<Map<String, String>> ticks = new ArrayList<>();
        int ends = 0;
        long entries = 0;
        try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8))
        {
            for (int shard = 0; shard < 4; shard++)
            {
                for (final StreamMessage<String, String> m : c.sync().xrange(RedisBus.key("rb.readback", shard), Range.create("-", "+")))
                {
                    entries++;
                    final Map<String, String> f = m.getBody();
                    switch (f.get("kind"))
                    {
                        case "tick" ->
                        {
                            assertThat(f).containsKeys("provider", "symbol", "price", "timestamp", "size", "origin", "replay_run_id");
                            assertThat(f.get("origin")).isEqualTo("replay");
                            ticks.add(f);
                        }
                        case "replay_end" ->
                        {
                            ends++;
                            assertThat(f.get("control")).contains("\"checksum\":\"" + outcome.checksumHex() + "\"");
                        }
                        case "replay_start" ->
                        {
                        }
                        default -> throw new AssertionError(f);
                    }
                }
            }
        }
        assertThat(ends).isEqualTo(4);
        assertThat(ticks).hasSize((int)outcome.ticks());
        final SymbolTable table = new SymbolTable(SYMBOLS);
        ticks.sort(Comparator.comparingLong((Map<String, String> f) -> Micros.of(Instant.parse(f.get("timestamp")))).thenComparing(f -> f.get("symbol"))
            .thenComparingInt(f -> Integer.parseInt(f.get("seq"))));
        final StreamChecksum sum = new StreamChecksum(table);
        for (final Map<String, String> f : ticks)
        {
            sum.add(table.id(f.get("symbol")), Micros.of(Instant.parse(f.get("timestamp"))), Integer.parseInt(f.get("seq")), Double.parseDouble(f.get("price")),
                Double.parseDouble(f.get("size")), number(f, "bid"), number(f, "ask"), number(f, "bid_size"), number(f, "ask_size"));
        }
        assertThat(sum.hex()).isEqualTo(outcome.checksumHex());
        // and redis-cli, a client this project did not write, counts the same entries
        long counted = 0;
        for (int shard = 0; shard < 4; shard++)
        {
            final Process cli = new ProcessBuilder("redis-cli", "-p", String.valueOf(port), "XLEN", RedisBus.key("rb.readback", shard)).start();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(cli.getInputStream(), StandardCharsets.UTF_8)))
            {
                counted += Long.parseLong(in.readLine().strip());
            }
            assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(counted).isEqualTo(entries);
    }

    private static double number(final Map<String, String> f, final String field)
    {
        return f.containsKey(field) ? Double.parseDouble(f.get(field)) : Double.NaN;
    }

    private static List<String> rows(final String sql) throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql))
        {
            final int n = rs.getMetaData().getColumnCount();
            while (rs.next())
            {
                final StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++)
                {
                    b.append(rs.getString(i)).append('|');
                }
                out.add(b.toString());
            }
        }
        return out;
    }

    private static final String SIGNALS = "SELECT symbol, ts, name, value FROM signals WHERE provider = 'rb' ORDER BY 1, 2, 3";

    private static List<String> direct() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("DELETE FROM signal_rows WHERE key_id IN (SELECT id FROM series_keys WHERE provider = 'rb')");
        }
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("rb", SYMBOLS, START, END, 0.0).withSignals(List.of("all")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<String> rows = rows(SIGNALS);
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("DELETE FROM signal_rows WHERE key_id IN (SELECT id FROM series_keys WHERE provider = 'rb')");
        }
        return rows;
    }

    @Test
    void twoMembersShareTheShardsAndWriteExactlyTheDirectReplaysSignals() throws Exception
    {
        final List<String> expected = direct();
        assertThat(replay("rb.group", 0).done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 2; i++)
        {
            final RedisConsumerLoop loop = new RedisConsumerLoop(url, "rb.group", 4, "g", new ConsumerCore(ConsumerCore.Role.SIGNALS, List.of("all"),
                new PgConsumerStore(db.dataSource(), List.of("all")), "g", "rb.group", 64, ConsumerCore.Batching.seed(), ConsumerCore.Listener.NONE), Duration.ofSeconds(4));
            final Thread t = new Thread(() ->
            {
                try (loop)
                {
                    loop.run();
                }
                catch (final Throwable e)
                {
                    failures.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        for (final Thread t : threads)
        {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        assertThat(failures).isEmpty();
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected);
    }

    @Test
    void aMemberKilledMidStreamIsTakenOverWithItsPendingEntriesAndNothingIsWrittenTwice() throws Exception
    {
        final List<String> expected = direct();
        final String dbUrl = PostgresTestSupport.url(db);
        final Process first = consumer(dbUrl, 0);
        final ReplayRun run = replay("rb.kill", 2500);
        await().atMost(Duration.ofSeconds(60)).until(() -> run.progress().emitted() > 2_000);
        first.destroyForcibly(); // kill -9: its leases expire, its delivered but unacknowledged entries stay pending
        first.waitFor();
        final Process second = consumer(dbUrl, 1);
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        assertThat(second.waitFor(3, TimeUnit.MINUTES)).isTrue();
        assertThat(second.exitValue()).isZero();
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected);
        try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8))
        {
            for (int shard = 0; shard < 4; shard++)
            {
                assertThat(c.sync().xpending(RedisBus.key("rb.kill", shard), "g-kill").getCount()).as("everything acknowledged").isZero();
            }
        }
    }

    private static Process consumer(final String dbUrl, final int i) throws Exception
    {
        return new ProcessBuilder(ChildJvm.command("256m", "consume", "--db-url", dbUrl, "--bus", "redis", "--bus-url", url, "--topic", "rb.kill",
            "--group", "g-kill", "--role", "signals", "--signals", "all", "--idle-exit", "8"))
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis-consumer-" + i + ".log").toFile()).start();
    }

    @Test
    void aLiveFeedGoesOntoTheBusWithOriginLiveAndATicksMemberStoresIt() throws Exception
    {
        final String dbUrl = PostgresTestSupport.url(db);
        final Process live = new ProcessBuilder(ChildJvm.command("256m", "live", "--db-url", dbUrl, "--bus", "redis", "--bus-url", url, "--topic", "rb.live",
            "--provider", "rblive", "--symbols", "LIVE1,LIVE2", "--rate", "50", "--seconds", "3"))
            .redirectErrorStream(true).redirectOutput(dir.resolve("live.log").toFile()).start();
        assertThat(live.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(live.exitValue()).as(java.nio.file.Files.readString(dir.resolve("live.log"))).isZero();
        long ticks = 0;
        try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8))
        {
            for (int shard = 0; shard < 4; shard++)
            {
                for (final StreamMessage<String, String> m : c.sync().xrange(RedisBus.key("rb.live", shard), Range.create("-", "+")))
                {
                    assertThat(m.getBody().get("origin")).isEqualTo("live");
                    ticks++;
                }
            }
        }
        assertThat(ticks).isGreaterThan(50);
        final RedisConsumerLoop loop = new RedisConsumerLoop(url, "rb.live", 4, "g-live", new ConsumerCore(ConsumerCore.Role.TICKS, List.of("all"),
            new PgConsumerStore(db.dataSource(), List.of("all")), "g-live", "rb.live", 64, ConsumerCore.Batching.seed(), ConsumerCore.Listener.NONE), Duration.ofSeconds(3));
        try (loop)
        {
            loop.run();
        }
        assertThat(rows("SELECT count(*) FROM tick_data WHERE provider = 'rblive'")).containsExactly(ticks + "|");
    }
}
