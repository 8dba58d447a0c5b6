package io.tickreplay.api.bus;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.adapters.redis.RedisConsumerLoop;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.synth.SyntheticSession;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A consumer group member whose database goes away (a real PostgreSQL stopped, then started again
 * within {@code db.outage-grace}) waits for it, keeps or takes its partitions back, and ends with
 * exactly the rows of a member that never saw an outage; on Kafka and on Redis.
 */
class ConsumerOutageIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");
    private static final String SIGNALS = "SELECT provider, symbol, ts, name, value FROM signals ORDER BY 1, 2, 3, 4";

    @TempDir
    static Path dir;

    private static KafkaClusterTestKit cluster;
    private static Process redis;
    private static String redisUrl;
    private static EmbeddedPostgres server;
    private static int pgPort;
    private static Database db;
    private static List<String> expected;

    @BeforeAll
    static void start() throws Exception
    {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
            .setConfigProp("offsets.topic.replication.factor", "1").setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false").build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        final int redisPort;
        try (ServerSocket s = new ServerSocket(0))
        {
            redisPort = s.getLocalPort();
        }
        redis = new ProcessBuilder("redis-server", "--port", String.valueOf(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
            .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        redisUrl = "redis://127.0.0.1:" + redisPort;
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
        {
            RedisBus.connect(redisUrl, Duration.ofSeconds(1)).close();
            return true;
        });
        server = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(false).start();
        pgPort = server.getPort();
        db = Database.open("jdbc:postgresql://localhost:" + pgPort + "/postgres?user=postgres", null, 8);
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("co").symbols(SYMBOLS).ticksPerSecond(0.6).seed(31);
        new TickStore(db.dataSource()).writeSession(new SyntheticSession(ctx), ctx, f -> { });
        try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000));
             Buses buses = new Buses(inProcess, new Buses.Settings(4, 4, 0), new SimpleMeterRegistry());
             ReplayService service = new ReplayService(db, buses, new SimpleMeterRegistry(), new ReplayService.Context().journal(false)
                 .metricsRetentionMinutes(0)))
        {
            final ReplayRequest window = ReplayRequest.fromDatabase("co", SYMBOLS, START, END, 0);
            complete(service.start(window.withSignals(List.of("all"))));
            expected = rows();
            clear();
            complete(service.start(window.withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("kafka", cluster.bootstrapServers(), "co"))));
            complete(service.start(window.withSignals(List.of("none")).withBus(new ReplayRequest.BusChoice("redis", redisUrl, "co"))));
        }
        assertThat(expected).hasSizeGreaterThan(10_000);
    }

    private static void complete(final ReplayRun run) throws Exception
    {
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
    }

    @AfterAll
    static void stop() throws Exception
    {
        db.close();
        server.close();
        cluster.close();
        redis.destroyForcibly();
    }

    private static List<String> rows() throws Exception
    {
        final List<String> out = new ArrayList<>();
        try (Connection c = db.connection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(SIGNALS))
        {
            while (rs.next())
            {
                out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4) + "|" + rs.getString(5));
            }
        }
        return out;
    }

    private static void clear() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("TRUNCATE signal_rows");
            s.execute("DELETE FROM bus_offsets");
        }
    }

    private static ConsumerCore core(final String group, final String topic)
    {
        return new ConsumerCore(ConsumerCore.Role.SIGNALS, List.of("all"), new PgConsumerStore(db.dataSource(), List.of("all")), group, topic, 64,
            // small batches: commits go on while the server is stopped under them
            new ConsumerCore.Batching(200, 50), ConsumerCore.Listener.NONE);
    }

    @Test
    void aKafkaMemberWaitsOutTheOutageAndWritesExactlyOnce() throws Exception
    {
        survives(new KafkaConsumerLoop(cluster.bootstrapServers(), "co", "outage-k", core("outage-k", "co"), Duration.ofSeconds(6))
            .outageGrace(Duration.ofSeconds(60)));
    }

    @Test
    void aRedisMemberWaitsOutTheOutageAndWritesExactlyOnce() throws Exception
    {
        survives(new RedisConsumerLoop(redisUrl, "co", 4, "outage-r", core("outage-r", "co"), Duration.ofSeconds(6))
            .outageGrace(Duration.ofSeconds(60)));
    }

    private void survives(final BusConsumerLoop loop) throws Exception
    {
        clear();
        final List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        final Thread member = new Thread(() ->
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
        member.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> loop.consumed() > 2_000);
        server.close(); // the server stops under the member's commits: every connection is dropped
        Thread.sleep(3_000);
        assertThat(member.isAlive()).as("the member waits for its database: " + failures).isTrue();
        server = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("pg")).setCleanDataDirectory(false).setPort(pgPort).start();
        member.join(TimeUnit.MINUTES.toMillis(4));
        assertThat(member.isAlive()).isFalse();
        assertThat(failures).isEmpty();
        assertThat(rows()).containsExactlyElementsOf(expected);
    }
}
