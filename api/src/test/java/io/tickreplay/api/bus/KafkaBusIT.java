package io.tickreplay.api.bus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PostgresTestSupport;
import io.tickreplay.adapters.postgres.TickStore;
import io.tickreplay.api.ChildJvm;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.bus.SymbolHash;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.StreamChecksum;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Micros;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Replays onto a real Kafka broker (KRaft, in this JVM) and the seed's consumers reading them back as consumer groups. */
class KafkaBusIT
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static KafkaClusterTestKit cluster;
    private static String bootstrap;
    private static Database db;
    private static InProcessBus inProcess;
    private static Buses buses;
    private static ReplayService service;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception
    {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("broker.session.timeout.ms", "3000")
            .setConfigProp("broker.heartbeat.interval.ms", "500")
            // one broker, no replicas: what survives its restart is what it flushed (with replicas, the others hold it)
            .setConfigProp("log.flush.interval.messages", "1")
            .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        bootstrap = cluster.bootstrapServers();
        db = PostgresTestSupport.freshSchema("kafkabus");
        final SyntheticSession.Context ctx = new SyntheticSession.Context().provider("kb").symbols(SYMBOLS).ticksPerSecond(0.4).seed(11);
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
        db.close();
        cluster.close();
    }

    private static ReplayOutcome replay(final String topic, final double speed, final List<String> signals) throws Exception
    {
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, speed).withSignals(signals)
            .withBus(new ReplayRequest.BusChoice("kafka", bootstrap, topic)));
        final ReplayOutcome outcome = run.done().get(5, TimeUnit.MINUTES);
        assertThat(outcome.status()).as(outcome.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        return outcome;
    }

    /** Every record of {@code topic}, partition by partition, read by a plain Kafka client. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(final String topic)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p))
        {
            final List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            final Map<TopicPartition, Long> ends = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp)))
            {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String header(final ConsumerRecord<byte[], byte[]> r, final String name)
    {
        final var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void aReplayReadBackByAPlainKafkaClientIsTheReplaysStreamInTheSeedsJson() throws Exception
    {
        final ReplayOutcome outcome = replay("kb.readback", 0, List.of("none"));
        final List<ConsumerRecord<byte[], byte[]>> records = readAll("kb.readback");
        final SymbolTable table = new SymbolTable(SYMBOLS);
        final List<JsonNode> ticks = new ArrayList<>();
        int starts = 0;
        int ends = 0;
        for (final ConsumerRecord<byte[], byte[]> r : records)
        {
            final JsonNode n = JSON.readTree(r.value());
            assertThat(header(r, "origin")).isEqualTo("replay");
            assertThat(header(r, "format")).isEqualTo("json");
            switch (n.get("kind").asText())
            {
                case "tick" ->
                {
                    // the seed's message, keyed by its symbol, in the partition the symbol hashes to
                    assertThat(n.fieldNames()).toIterable().contains("kind", "provider", "symbol", "price", "timestamp", "size", "bid", "ask",
                        "origin", "replay_run_id");
                    assertThat(n.get("origin").asText()).isEqualTo("replay");
                    assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(n.get("symbol").asText());
                    assertThat(r.partition()).isEqualTo(SymbolHash.partition(r.key(), 4));
                    ticks.add(n);
                }
                case "replay_start" -> starts++;
                case "replay_end" ->
                {
                    ends++;
                    assertThat(n.get("ticks").asLong()).isEqualTo(outcome.ticks());
                    assertThat(n.get("checksum").asText()).isEqualTo(outcome.checksumHex());
                    assertThat(n.get("complete").asBoolean()).isTrue();
                }
                default -> throw new AssertionError("unexpected kind " + n.get("kind"));
            }
        }
        assertThat(starts).isEqualTo(4);
        assertThat(ends).isEqualTo(4);
        assertThat(ticks).hasSize((int)outcome.ticks());
        // put back in the replay order (ts, symbol, seq), the messages give the replay's own checksum
        ticks.sort(Comparator.comparingLong((JsonNode n) -> Micros.of(Instant.parse(n.get("timestamp").asText())))
            .thenComparing(n -> n.get("symbol").asText()).thenComparingInt(n -> n.get("seq").asInt()));
        final StreamChecksum sum = new StreamChecksum(table);
        for (final JsonNode n : ticks)
        {
            sum.add(table.id(n.get("symbol").asText()), Micros.of(Instant.parse(n.get("timestamp").asText())), n.get("seq").asInt(),
                n.get("price").asDouble(), n.get("size").asDouble(), number(n, "bid"), number(n, "ask"), number(n, "bid_size"), number(n, "ask_size"));
        }
        assertThat(sum.hex()).isEqualTo(outcome.checksumHex());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)))
        {
            final ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, "kb.readback");
            final Config config = admin.describeConfigs(List.of(topic)).all().get().get(topic);
            assertThat(config.get("message.timestamp.type").value()).as("2013 tick times must not meet time retention").isEqualTo("LogAppendTime");
        }
        // and a client this project did not write reads the same records
        final Process kcat = new ProcessBuilder("kcat", "-C", "-b", bootstrap, "-t", "kb.readback", "-o", "beginning", "-e", "-q", "-f", "%s\\n")
            .redirectErrorStream(true).start();
        final List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(kcat.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = in.readLine(); line != null; line = in.readLine())
            {
                if (!line.isBlank())
                {
                    lines.add(line);
                }
            }
        }
        assertThat(kcat.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(lines).hasSize(records.size());
        assertThat(lines.stream().filter(l -> l.contains("\"kind\":\"tick\"")).count()).isEqualTo(outcome.ticks());
    }

    private static double number(final JsonNode n, final String field)
    {
        return n.get(field).isNull() ? Double.NaN : n.get(field).asDouble();
    }

    /** (symbol, ts, name, value) of every signal row, and every bar, as text, sorted. */
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

    private static final String SIGNALS = "SELECT symbol, ts, name, value FROM signals WHERE provider = 'kb' ORDER BY 1, 2, 3";
    private static final String BARS = "SELECT symbol, interval, ts, open, high, low, close, volume, trade_count, vwap FROM bars_ohlcv " +
        "WHERE provider = 'kb' ORDER BY 1, 2, 3";

    private static void clear() throws Exception
    {
        try (Connection c = db.connection(); Statement s = c.createStatement())
        {
            s.execute("DELETE FROM signal_rows WHERE key_id IN (SELECT id FROM series_keys WHERE provider = 'kb')");
            s.execute("DELETE FROM bars_ohlcv WHERE provider = 'kb'");
        }
    }

    /** The rows a direct replay (no bus) writes: what consumers must write too. */
    private static List<List<String>> direct() throws Exception
    {
        clear();
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, 0.0).withSignals(List.of("all")));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final List<List<String>> rows = List.of(rows(SIGNALS), rows(BARS));
        clear();
        return rows;
    }

    private static ConsumerCore core(final ConsumerCore.Role role, final String group, final String topic)
    {
        return new ConsumerCore(role, List.of("all"), new PgConsumerStore(db.dataSource(), List.of("all")), group, topic, 64, ConsumerCore.Batching.seed(), ConsumerCore.Listener.NONE);
    }

    @Test
    void twoConsumersOfAGroupWriteExactlyTheDirectReplaysSignalsAndBars() throws Exception
    {
        final List<List<String>> expected = direct();
        assertThat(expected.get(0)).hasSizeGreaterThan(10_000);
        assertThat(expected.get(1)).isNotEmpty();
        replay("kb.groups", 0, List.of("none"));
        final List<Thread> threads = new ArrayList<>();
        final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (final String[] member : new String[][] {{"signals", "g-sig"}, {"signals", "g-sig"}, {"bars", "g-bars"}})
        {
            final KafkaConsumerLoop loop = new KafkaConsumerLoop(bootstrap, "kb.groups", member[1],
                core(ConsumerCore.Role.parse(member[0]), member[1], "kb.groups"), Duration.ofSeconds(4));
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
            }, "consumer-" + member[0] + "-" + threads.size());
            t.start();
            threads.add(t);
        }
        for (final Thread t : threads)
        {
            t.join(TimeUnit.MINUTES.toMillis(3));
        }
        assertThat(failures).isEmpty();
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected.get(0));
        assertThat(rows(BARS)).containsExactlyElementsOf(expected.get(1));
        // the group's positions are the ends of the partitions
        assertThat(rows("SELECT sum(next_position::bigint) FROM bus_offsets WHERE \"group\" = 'g-sig' AND topic = 'kb.groups'"))
            .containsExactly(readAll("kb.groups").size() + "|");
    }

    @Test
    void consumersKilledAndStartedMidStreamLeaveNoGapAndNoDuplicate() throws Exception
    {
        final List<List<String>> expected = direct();
        final String topic = "kb.kill";
        final String url = PostgresTestSupport.url(db);
        final List<Process> members = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            members.add(consumer(url, topic, i));
        }
        // a paced replay, so that the stream is still flowing when a member dies and another joins
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, 2500).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice("kafka", bootstrap, topic)));
        await().atMost(Duration.ofSeconds(60)).until(() -> run.progress().emitted() > 2_000);
        members.get(0).destroyForcibly(); // kill -9
        members.get(0).waitFor();
        members.add(consumer(url, topic, 2));
        assertThat(run.done().get(5, TimeUnit.MINUTES).status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        for (final Process p : members.subList(1, members.size()))
        {
            assertThat(p.waitFor(3, TimeUnit.MINUTES)).as("a member ends after --idle-exit").isTrue();
            assertThat(p.exitValue()).isZero();
        }
        assertThat(rows(SIGNALS)).containsExactlyElementsOf(expected.get(0));
    }

    private static Process consumer(final String dbUrl, final String topic, final int i) throws Exception
    {
        return new ProcessBuilder(ChildJvm.command("256m", "consume", "--db-url", dbUrl, "--bus", "kafka", "--bus-url", bootstrap, "--topic", topic,
            "--group", "g-kill", "--role", "signals", "--signals", "all", "--idle-exit", "8"))
            .redirectErrorStream(true).redirectOutput(dir.resolve("consumer-" + i + ".log").toFile()).start();
    }

    @Test
    void aBrokerRestartedMidReplayLosesNothing() throws Exception
    {
        final String topic = "kb.restart";
        final ReplayRun run = service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, 2500).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice("kafka", bootstrap, topic)));
        await().atMost(Duration.ofSeconds(60)).until(() -> run.progress().emitted() > 1_000);
        cluster.brokers().values().iterator().next().shutdown();
        Thread.sleep(2_000);
        cluster.brokers().values().iterator().next().startup();
        cluster.waitForReadyBrokers();
        final ReplayOutcome outcome = run.done().get(5, TimeUnit.MINUTES);
        assertThat(outcome.status()).as(outcome.errorMessage()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        final long ticks = readAll(topic).stream().filter(r -> header(r, "kind") == null).count();
        assertThat(ticks).as("every tick once: idempotent producer, acks=all").isEqualTo(outcome.ticks());
    }

    @Test
    void aMessageThatCannotBeReadGoesToTheDeadLetterTopicAndTheConsumerGoesOn() throws Exception
    {
        final String topic = "kb.poison";
        replay(topic, 0, List.of("none"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class, ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class)))
        {
            producer.send(new ProducerRecord<>(topic, 0, null, "{\"kind\":\"tick\",\"price\":oops".getBytes(StandardCharsets.UTF_8))).get();
        }
        clear();
        final KafkaConsumerLoop loop = new KafkaConsumerLoop(bootstrap, topic, "g-poison", core(ConsumerCore.Role.SIGNALS, "g-poison", topic),
            Duration.ofSeconds(3));
        try (loop)
        {
            loop.run();
        }
        assertThat(loop.deadLetters()).isEqualTo(1);
        assertThat(readAll(topic + ".dead-letter")).hasSize(1).allSatisfy(r -> assertThat(header(r, "error")).contains("JSON"));
        assertThat(rows(SIGNALS)).isNotEmpty();
    }

    @Test
    void aBusThatIsDownRefusesTheStartNamingItsUrlAndStartsNoJob() throws Exception
    {
        final int before = rows("SELECT count(*) FROM job_runs").size();
        final long jobs = Long.parseLong(rows("SELECT count(*) FROM job_runs").get(0).replace("|", ""));
        assertThatThrownBy(() -> service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, 0.0)
            .withBus(new ReplayRequest.BusChoice("kafka", "127.0.0.1:1", null))))
            .isInstanceOf(BusUnavailableException.class).hasMessageContaining("127.0.0.1:1");
        assertThat(before).isEqualTo(1);
        assertThat(Long.parseLong(rows("SELECT count(*) FROM job_runs").get(0).replace("|", ""))).isEqualTo(jobs);
    }

    @Test
    void maxLagHoldsABurstBackUntilTheConsumersCatchUp() throws Exception
    {
        final String topic = "kb.lag";
        // a group that has stored positions on the topic
        replay(topic, 0, List.of("none"));
        // idle 10 s: on a loaded machine the group's first assignment can take longer than 3 s, and a member that gives up before it
        // stores no positions, which would hold the next run back from its first tick
        try (KafkaConsumerLoop first = new KafkaConsumerLoop(bootstrap, topic, "g-lag", core(ConsumerCore.Role.SIGNALS, "g-lag", topic), Duration.ofSeconds(10)))
        {
            first.run();
        }
        final ReplayRun held = service.start(ReplayRequest.fromDatabase("kb", SYMBOLS, START, END, 0.0).withSignals(List.of("none"))
            .withBus(new ReplayRequest.BusChoice("kafka", bootstrap, topic, 2_000L)));
        await().atMost(Duration.ofSeconds(60)).until(() -> held.progress().emitted() > 0);
        Thread.sleep(3_000);
        final long total = readAll(topic).size(); // what the first run put there, plus what the held run got out
        assertThat(held.done()).as("held back while nobody consumes").isNotDone();
        assertThat(held.progress().emitted()).as("about max_lag, plus one batch").isLessThan(2_000 + 1_024);
        // a signals member commits every 200 rows (>= 50 ms): its stored positions follow what it reads
        final KafkaConsumerLoop catching = new KafkaConsumerLoop(bootstrap, topic, "g-lag", core(ConsumerCore.Role.SIGNALS, "g-lag", topic),
            Duration.ofSeconds(10));
        final Thread t = new Thread(() ->
        {
            try (catching)
            {
                catching.run();
            }
            catch (final Exception e)
            {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        final ReplayOutcome outcome = held.done().get(3, TimeUnit.MINUTES);
        assertThat(outcome.status()).isEqualTo(ReplayOutcome.Status.COMPLETED);
        t.join(TimeUnit.MINUTES.toMillis(2));
        assertThat(total).isGreaterThan(0);
    }
}
