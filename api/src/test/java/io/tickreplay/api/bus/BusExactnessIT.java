package io.tickreplay.api.bus;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.adapters.redis.RedisConsumerLoop;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.api.replay.ReplaySource;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What consumers write from a bus equals what the direct replay writes, also when the run came from
 * several sources (the same symbol under two providers), when it was cancelled and resumed (Kafka) or
 * its Redis server was killed under it and it was resumed, and when a member's Redis restarts under
 * it: each tick of a run is folded in once (its {@code run_seq}), keyed by (provider, symbol).
 */
class BusExactnessIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");
    private static final String SIGNALS = "SELECT provider, symbol, ts, name, value FROM signals ORDER BY 1, 2, 3, 4";
    private static final String BARS = "SELECT provider, symbol, interval, ts, open, high, low, close, volume, trade_count, vwap FROM bars_ohlcv ORDER BY 1, 2, 3, 4";

    @TempDir
    static Path dir;

    private static KafkaClusterTestKit cluster;
    private static String bootstrap;
    private static Database db;
    private static InProcessBus inProcess;
    private static Buses buses;
    private static ReplayService service;
    private static int redisPort;
    private static Process redis;

    @BeforeAll
    static void start() throws Exception
    {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
            .setConfigProp("offsets.topic.replication.factor", "1").setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false").build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        bootstrap = cluster.bootstrapServers();
        try (ServerSocket s = new ServerSocket(0))
        {
            redisPort = s.getLocalPort();
        }
        redis = startRedis(true);
        db = PostgresTestSupport.freshSchema("bus_exact");
        for (final String[] p : new String[][] {{"kb", "NVDA,AAPL", "11"}, {"kc", "NVDA", "12"}})
        {
            final SyntheticSession.Context ctx = new SyntheticSession.Context().provider(p[0]).symbols(List.of(p[1].split(","))).ticksPerSecond(0.6)
                .seed(Long.parseLong(p[2]));
            new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        }
        inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000));
        buses = new Buses(inProcess, new Buses.Settings(4, 4, 0), new SimpleMeterRegistry());
        service = new ReplayService(db, buses, new SimpleMeterRegistry(), new ReplayService.Context().journalDir(dir.resolve("journal"))
            .progressIntervalMillis(100).checkpointInterval(Duration.ofMillis(200)).metricsRetentionMinutes(0).outageGrace(Duration.ZERO));
    }

    /** A redis-server on the test's port; with {@code persist}, every write is on disk before it is acknowledged (appendfsync always). */
    private static Process startRedis(final boolean persist) throws Exception
    {
        final Path data = Files.createDirectories(dir.resolve("redis-data"));
        final Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1", "--save", "",
            "--dir", data.toString(), "--appendonly", persist ? "yes" : "no", "--appendfsync", "always")
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile())).start();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
        {
            RedisBus.connect(redisUrl(), Duration.ofSeconds(1)).close();
            return true;
        });
        return p;
    }

    private static String redisUrl()
    {
        return "redis://127.0.0.1:" + redisPort;
    }

    private static void kill9(final Process p) throws Exception
    {
        p.destroyForcibly();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    @AfterAll
    static void stop() throws Exception
    {
        service.close();
        buses.close();
        inProcess.close();
        db.close();
        cluster.close();
        redis.destroyForcibly();
    }

    @BeforeEach
    void clear() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("TRUNCATE signal_rows");
            s.execute("DELETE FROM bars_ohlcv");
        }
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

    /** The signal and bar rows the same request writes replayed straight into the tables (no bus); the tables are left empty. */
    private List<List<String>> direct(final ReplayRequest request) throws Exception
    {
        final ReplayRun run = service.start(request.withSignals(List.of("all")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<List<String>> rows = List.of(rows(SIGNALS), rows(BARS));
        clear();
        assertThat(rows.get(0)).hasSizeGreaterThan(10_000);
        return rows;
    }

    /** Members (a signals one and a bars one) of new groups read the topic to its end and write; then their rows are compared. */
    private void consumeAndCompare(final List<List<String>> expected, final Supplier<List<BusConsumerLoop>> loops) throws Exception
    {
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();
        for (final BusConsumerLoop loop : loops.get())
        {
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
            t.join(TimeUnit.MINUTES.toMillis(4));
            assertThat(t.isAlive()).as("a member ended").isFalse();
        }
        assertThat(failures).isEmpty();
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected.get(0));
        assertThat(rows(BARS)).containsExactlyElementsOf(expected.get(1));
    }

    private static ConsumerCore core(final ConsumerCore.Role role, final String group, final String topic)
    {
        return new ConsumerCore(role, List.of("all"), new PgConsumerStore(db.dataSource(), List.of("all")), group, topic, 64,
            ConsumerCore.Batching.seed(), ConsumerCore.Listener.NONE);
    }

    private static List<BusConsumerLoop> kafkaMembers(final String topic, final String group)
    {
        return List.of(
            new KafkaConsumerLoop(bootstrap, topic, group + "-s", core(ConsumerCore.Role.SIGNALS, group + "-s", topic), Duration.ofSeconds(4)),
            new KafkaConsumerLoop(bootstrap, topic, group + "-b", core(ConsumerCore.Role.BARS, group + "-b", topic), Duration.ofSeconds(4)));
    }

    private static List<BusConsumerLoop> redisMembers(final String prefix, final String group)
    {
        return List.of(
            new RedisConsumerLoop(redisUrl(), prefix, 4, group + "-s", core(ConsumerCore.Role.SIGNALS, group + "-s", prefix), Duration.ofSeconds(4)),
            new RedisConsumerLoop(redisUrl(), prefix, 4, group + "-b", core(ConsumerCore.Role.BARS, group + "-b", prefix), Duration.ofSeconds(4)));
    }

    private static ReplayRequest window(final double speed)
    {
        return ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, speed);
    }

    @Test
    void aRunOfTwoProvidersOfOneSymbolIsKeptApartByItsConsumersAsByTheReplay() throws Exception
    {
        final List<ReplaySource> sources = List.of(new ReplaySource("kb", SYMBOLS, null, null), new ReplaySource("kc", List.of("NVDA"), null, null));
        final List<List<String>> expected = direct(ReplayRequest.fromSources(sources, START, END, 0));
        assertThat(expected.get(0)).anyMatch(r -> r.startsWith("kc|NVDA|")).anyMatch(r -> r.startsWith("kb|NVDA|"));
        final ReplayRun run = service.start(ReplayRequest.fromSources(sources, START, END, 0).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice("kafka", bootstrap, "mixed")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        consumeAndCompare(expected, () -> kafkaMembers("mixed", "mixed"));
    }

    @Test
    void aKafkaRunCancelledAndResumedGivesItsConsumersTheRowsOfAnUninterruptedOne() throws Exception
    {
        final List<List<String>> expected = direct(window(0));
        // paced (a day in about 15 s), cancelled once checkpoints were taken, resumed in burst
        final ReplayRun run = service.start(window(1500).withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("kafka", bootstrap, "resumed")));
        await().atMost(Duration.ofSeconds(60)).until(() -> checkpointTicks(run.runId()) > 2_000);
        run.control().cancel();
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).isEqualTo(ReplayOutcome.Status.CANCELLED);
        final ReplayRun resumed = service.resume(run.runId(), 0.0);
        assertThat(resumed.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        consumeAndCompare(expected, () -> kafkaMembers("resumed", "resumed"));
    }

    @Test
    void aRedisServerKilledUnderARunThatIsThenResumedGivesItsConsumersTheRowsOfAnUninterruptedOne() throws Exception
    {
        final List<List<String>> expected = direct(window(0));
        final ReplayRun run = service.start(window(1500).withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("redis", redisUrl(), "killed")));
        await().atMost(Duration.ofSeconds(60)).until(() -> checkpointTicks(run.runId()) > 2_000);
        kill9(redis);
        assertThat(run.done().get(60, TimeUnit.SECONDS).status()).as("the run fails with its bus").isEqualTo(ReplayOutcome.Status.FAILED);
        redis = startRedis(true); // what it acknowledged is on disk
        final ReplayRun resumed = service.resume(run.runId(), 0.0);
        assertThat(resumed.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        consumeAndCompare(expected, () -> redisMembers("killed", "killed"));
    }

    @Test
    void aMemberWhoseRedisRestartsReconnectsAndWritesExactlyOnce() throws Exception
    {
        final List<List<String>> expected = direct(window(0));
        final ReplayRun run = service.start(window(0).withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("redis", redisUrl(), "restart")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<BusConsumerLoop> members = redisMembers("restart", "restart");
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final List<Thread> threads = new ArrayList<>();
        for (final BusConsumerLoop loop : members)
        {
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
        await().atMost(Duration.ofSeconds(60)).until(() -> members.get(0).consumed() > 1_000);
        kill9(redis);
        Thread.sleep(1_500);
        assertThat(threads).as("the members wait for their server").allMatch(Thread::isAlive);
        redis = startRedis(true);
        for (final Thread t : threads)
        {
            t.join(TimeUnit.MINUTES.toMillis(4));
        }
        assertThat(failures).isEmpty();
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected.get(0));
        assertThat(rows(BARS)).containsExactlyElementsOf(expected.get(1));
    }

    @Test
    void ctrlCOnConsumeCommitsLeavesTheGroupAndExitsZero() throws Exception
    {
        final ReplayRun run = service.start(window(0).withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("kafka", bootstrap, "ctrlc")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final Path err = dir.resolve("consume.err");
        final Process consume = new ProcessBuilder(ChildJvm.command("384m", "consume", "--db-url", PostgresTestSupport.url(db), "--bus", "kafka",
            "--bus-url", bootstrap, "--topic", "ctrlc", "--group", "ctrlc", "--role", "signals"))
            .redirectOutput(dir.resolve("consume.out").toFile()).redirectError(err.toFile()).start();
        try
        {
            await().atMost(Duration.ofSeconds(90)).until(() -> !consume.isAlive() || committedPositions("ctrlc") > 0);
            assertThat(consume.isAlive()).as(Files.readString(err)).isTrue();
            assertThat(new ProcessBuilder("kill", "-INT", String.valueOf(consume.pid())).start().waitFor()).isZero();
            assertThat(consume.waitFor(60, TimeUnit.SECONDS)).isTrue();
            final String stderr = Files.readString(err);
            assertThat(consume.exitValue()).as(stderr).isZero();
            assertThat(stderr).contains("tickreplay consume: kafka group ctrlc").contains("everything read is committed");
        }
        finally
        {
            consume.destroyForcibly();
        }
    }

    private static long committedPositions(final String group) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM bus_offsets WHERE \"group\" = '" + group + "'"))
        {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long checkpointTicks(final long runId) throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(ticks), 0) FROM replay_checkpoints WHERE run_id = " + runId))
        {
            rs.next();
            return rs.getLong(1);
        }
    }
}
