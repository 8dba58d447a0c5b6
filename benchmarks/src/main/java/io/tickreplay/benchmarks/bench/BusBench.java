package io.tickreplay.benchmarks.bench;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.BusFormat;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.adapters.kafka.KafkaConsumerLoop;
import io.tickreplay.adapters.postgres.Database;
import io.tickreplay.adapters.postgres.PgConsumerStore;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.api.bus.BrokerProcess;
import io.tickreplay.api.bus.BusSpec;
import io.tickreplay.api.bus.Buses;
import io.tickreplay.api.replay.ReplayRequest;
import io.tickreplay.api.replay.ReplayRun;
import io.tickreplay.api.replay.ReplayService;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.replay.BackoffWaitStrategy;
import io.tickreplay.engine.replay.ReplayOutcome;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bus, side by side with the brokers' own limits, on the same generated session, with a real
 * single-node Kafka and a real Redis started for the run ({@code tickreplay broker}):
 * <ul>
 *   <li>replay -> Kafka (JSON and binary) against Kafka's own {@code ProducerPerformance} sending as
 *   many records of the same size with the same producer settings to the same broker;</li>
 *   <li>replay -> Redis against a pipelined XADD loop of the same entries;</li>
 *   <li>replay -> Kafka -> two SignalConsumers -> {@code signals} (two signals) against the replay
 *   writing the same rows itself, after checking both wrote the same values;</li>
 *   <li>latency at 10k ticks/s paced, publication -> a consumer's receipt, in an HdrHistogram (Kafka:
 *   the record's timestamp, a topic with CreateTime; Redis: the entry id's time; millisecond clocks).</li>
 * </ul>
 */
public final class BusBench
{
    private static final List<String> SYMBOLS = List.of("NVDA", "AAPL", "MSFT", "AMZN", "TSLA");
    private static final Pattern PERF = Pattern.compile("^(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\).*");
    private static final Instant START = Instant.parse("2025-11-03T00:00:00Z");
    private static final Instant END = Instant.parse("2025-11-04T00:00:00Z");

    private final Database db;
    private final Path workDir;
    private final boolean quick;

    public BusBench(final Database db, final Path workDir, final boolean quick)
    {
        this.db = db;
        this.workDir = workDir;
        this.quick = quick;
    }

    public Map<String, Object> run(final long ticks) throws Exception
    {
        Files.createDirectories(workDir);
        final long generated = SignalsBench.writeSession(db, "busbench", SYMBOLS, 19, ticks);
        BenchSql.execute(db, "VACUUM ANALYZE tick_data");
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("ticks", generated);
        final List<BrokerProcess> brokers = new ArrayList<>();
        try
        {
            final String kafka = broker("kafka", brokers);
            final String redis = broker("redis", brokers);
            System.out.printf(Locale.ROOT, "bench bus: %,d ticks of %d symbols; Kafka at %s, Redis at %s (started for this run)%n", generated,
                SYMBOLS.size(), kafka, redis);
            out.put("kafka", kafka(kafka, generated));
            out.put("redis", redis(redis, generated));
            out.put("kafka_consumers_signals", consumers(kafka, generated));
            out.put("latency", latency(kafka, redis, generated));
        }
        finally
        {
            for (final BrokerProcess broker : brokers)
            {
                broker.close();
            }
        }
        return out;
    }

    /** Kafka or Redis on a free port, data under the work directory, as {@code tickreplay broker} runs them; returns its URL once it answers. */
    private String broker(final String kind, final List<BrokerProcess> brokers) throws Exception
    {
        final int port;
        try (ServerSocket s = new ServerSocket(0))
        {
            port = s.getLocalPort();
        }
        final Path dir = workDir.resolve(kind + "-" + port);
        final BrokerProcess broker = kind.equals("kafka") ? BrokerProcess.kafka(port, dir, note -> { }) : BrokerProcess.redis(port, dir);
        brokers.add(broker);
        return broker.awaitReady().url();
    }

    private ReplayOutcome replay(final Buses buses, final BusSpec spec, final double speed, final List<String> signals) throws Exception
    {
        try (ReplayService service = new ReplayService(db, buses, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(1).journal(false)
            .journalDir(workDir.resolve("journal")).metricsRetentionMinutes(0).bus(spec)))
        {
            final ReplayRun run = service.start(ReplayRequest.fromDatabase("busbench", SYMBOLS, START, END, speed).withSignals(signals));
            final ReplayOutcome outcome = run.done().get(30, TimeUnit.MINUTES);
            if (outcome.status() != ReplayOutcome.Status.COMPLETED)
            {
                throw new IllegalStateException("replay " + outcome.status() + ": " + outcome.errorMessage());
            }
            return outcome;
        }
    }

    private static Buses buses(final InProcessBus inProcess)
    {
        return new Buses(inProcess, new Buses.Settings(4, 4, 0), new SimpleMeterRegistry());
    }

    private Map<String, Object> kafka(final String url, final long generated) throws Exception
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000)))
        {
            for (final BusFormat format : BusFormat.values())
            {
                final String topic = "bench." + format.label() + "." + System.nanoTime();
                final double replay;
                final double bytesPerRecord;
                try (Buses buses = buses(inProcess))
                {
                    replay = replay(buses, new BusSpec("kafka", url, topic, format), 0, List.of("none")).ticksPerSecond();
                }
                // the same number of records of the same size, by Kafka's own producer benchmark
                final List<byte[]> sample = sample(url, topic, 20_000);
                bytesPerRecord = sample.stream().mapToInt(b -> b.length).average().orElse(0);
                final List<String> perf = new ArrayList<>(List.of("--topic", topic + ".perf", "--num-records", String.valueOf(generated), "--throughput", "-1"));
                if (format == BusFormat.JSON)
                {
                    final Path payloads = workDir.resolve("payloads.jsonl");
                    Files.write(payloads, sample.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList());
                    perf.addAll(List.of("--payload-file", payloads.toString()));
                }
                else
                {
                    perf.addAll(List.of("--record-size", String.valueOf(Math.round(bytesPerRecord))));
                }
                createTopic(url, topic + ".perf", 4, false);
                final double baseline = producerPerformance(url, perf);
                final double ratio = replay / baseline;
                System.out.printf(Locale.ROOT, "  %-58s %,12.0f records/s  ProducerPerformance %,12.0f  = %.2fx (goal >= 0.8x), %.0f B/record%n",
                    "replay -> Kafka (" + format.label() + ")", replay, baseline, ratio, bytesPerRecord);
                final Map<String, Object> m = new LinkedHashMap<>();
                m.put("replay_records_per_s", Math.round(replay));
                m.put("producer_performance_records_per_s", Math.round(baseline));
                m.put("ratio", Math.round(ratio * 1000) / 1000.0);
                m.put("bytes_per_record", Math.round(bytesPerRecord));
                out.put(format.label(), m);
            }
        }
        return out;
    }

    private static void createTopic(final String url, final String topic, final int partitions, final boolean createTime) throws Exception
    {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, url)))
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1).configs(Map.of("message.timestamp.type",
                createTime ? "CreateTime" : "LogAppendTime")))).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Up to {@code n} tick record values of {@code topic}. */
    private static List<byte[]> sample(final String url, final String topic, final int n)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, url);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        final List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p))
        {
            final List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (out.size() < n && System.nanoTime() < deadline)
            {
                for (final ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200)))
                {
                    if (r.headers().lastHeader("kind") == null && out.size() < n)
                    {
                        out.add(r.value());
                    }
                }
            }
        }
        return out;
    }

    /** Runs Kafka's ProducerPerformance with the bus's producer settings; returns its records/s. */
    private double producerPerformance(final String url, final List<String> args) throws Exception
    {
        final String cp = BrokerProcess.classpath();
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp", cp,
            "org.apache.kafka.tools.ProducerPerformance", "--bootstrap-server", url));
        command.addAll(args);
        command.addAll(List.of("--command-property", "acks=all", "enable.idempotence=true", "compression.type=lz4", "linger.ms=10", "batch.size=262144",
            "buffer.memory=67108864", "max.in.flight.requests.per.connection=1"));
        final Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        double rate = Double.NaN;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)))
        {
            for (String line = in.readLine(); line != null; line = in.readLine())
            {
                final Matcher m = PERF.matcher(line.strip());
                if (m.matches() && line.contains("50th"))
                {
                    rate = Double.parseDouble(m.group(2));
                }
            }
        }
        if (!p.waitFor(10, TimeUnit.MINUTES) || Double.isNaN(rate))
        {
            throw new IllegalStateException("ProducerPerformance did not report (exit " + (p.isAlive() ? "?" : p.exitValue()) + ")");
        }
        return rate;
    }

    private Map<String, Object> redis(final String url, final long generated) throws Exception
    {
        final String prefix = "bench.redis." + System.nanoTime();
        final double replay;
        try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000)); Buses buses = buses(inProcess))
        {
            replay = replay(buses, new BusSpec("redis", url, prefix, BusFormat.JSON), 0, List.of("none")).ticksPerSecond();
        }
        // the same entries (their fields, read back), added again by a pipelined XADD loop: flush every 1,000, wait for the replies
        final RedisClient client = RedisClient.create(url);
        final double baseline;
        try (StatefulRedisConnection<String, byte[]> c = client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)))
        {
            final List<Map<String, byte[]>> entries = new ArrayList<>();
            for (final StreamMessage<String, byte[]> m : c.sync().xrange(RedisBus.key(prefix, 0), Range.create("-", "+"),
                io.lettuce.core.Limit.from(20_000)))
            {
                entries.add(m.getBody());
            }
            c.setAutoFlushCommands(false);
            final List<RedisFuture<String>> pending = new ArrayList<>(1000);
            final long t0 = System.nanoTime();
            for (long i = 0; i < generated; i++)
            {
                pending.add(c.async().xadd(prefix + ".loop:" + (i & 3), entries.get((int)(i % entries.size()))));
                if (pending.size() == 1000)
                {
                    c.flushCommands();
                    LettuceFutures.awaitAll(30, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
                    pending.clear();
                }
            }
            c.flushCommands();
            LettuceFutures.awaitAll(30, TimeUnit.SECONDS, pending.toArray(RedisFuture[]::new));
            baseline = generated * 1e9 / (System.nanoTime() - t0);
            c.setAutoFlushCommands(true);
        }
        finally
        {
            client.shutdown();
        }
        final double ratio = replay / baseline;
        System.out.printf(Locale.ROOT, "  %-58s %,12.0f entries/s  pipelined XADD loop %,12.0f  = %.2fx (goal >= 0.8x)%n", "replay -> Redis (json fields)",
            replay, baseline, ratio);
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("replay_entries_per_s", Math.round(replay));
        out.put("pipelined_xadd_entries_per_s", Math.round(baseline));
        out.put("ratio", Math.round(ratio * 1000) / 1000.0);
        return out;
    }

    private Map<String, Object> consumers(final String url, final long generated) throws Exception
    {
        final List<String> two = List.of("vwap_deviation_bps", "spread_bps");
        final String rowsSql = "SELECT symbol || '|' || ts || '|' || name || '|' || value FROM signals WHERE provider = 'busbench' ORDER BY 1";
        // the replay writing the rows itself
        BenchSql.execute(db, "TRUNCATE signal_rows");
        final double direct;
        final long rows;
        try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000)); Buses buses = buses(inProcess))
        {
            final long t0 = System.nanoTime();
            replay(buses, BusSpec.inProcess(), 0, two);
            direct = (System.nanoTime() - t0) / 1e9;
        }
        rows = BenchSql.count(db, "SELECT count(*) FROM signals");
        final String directDigest = digest(rowsSql);
        BenchSql.execute(db, "TRUNCATE signal_rows");
        // the replay to Kafka, and a group of two SignalConsumers writing them
        final String topic = "bench.consumers." + System.nanoTime();
        createTopic(url, topic, 4, false);
        final AtomicLong lastCommit = new AtomicLong();
        final AtomicLong written = new AtomicLong();
        final List<Thread> threads = new ArrayList<>();
        final long t0 = System.nanoTime();
        for (int i = 0; i < 2; i++)
        {
            final ConsumerCore core = new ConsumerCore(ConsumerCore.Role.SIGNALS, two, new PgConsumerStore(db.dataSource(), two), "bench", topic, 64, ConsumerCore.Batching.seed(),
                new ConsumerCore.Listener()
                {
                    @Override
                    public void committed(final String name, final long n)
                    {
                        written.addAndGet(n);
                        lastCommit.set(System.nanoTime());
                    }
                });
            final BusConsumerLoop loop = new KafkaConsumerLoop(url, topic, "bench", core, Duration.ofSeconds(quick ? 3 : 5));
            final Thread t = new Thread(() ->
            {
                try (loop)
                {
                    loop.run();
                }
                catch (final Exception e)
                {
                    throw new IllegalStateException(e);
                }
            }, "bench-consumer-" + i);
            t.start();
            threads.add(t);
        }
        try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000)); Buses buses = buses(inProcess))
        {
            replay(buses, new BusSpec("kafka", url, topic, BusFormat.JSON), 0, List.of("none"));
        }
        for (final Thread t : threads)
        {
            t.join();
        }
        final double viaBus = (lastCommit.get() - t0) / 1e9;
        if (written.get() != rows || !digest(rowsSql).equals(directDigest))
        {
            throw new IllegalStateException("the consumers wrote other rows than the direct replay (" + written.get() + " vs " + rows + ")");
        }
        final double ratio = direct / viaBus;
        System.out.printf(Locale.ROOT, "  %-58s %,12.0f rows/s  replay writing them itself %,12.0f = %.2fx (goal >= 0.8x); same %,d rows%n",
            "replay -> Kafka -> 2 SignalConsumers -> signals (2 signals)", rows / viaBus, rows / direct, ratio, rows);
        BenchSql.execute(db, "TRUNCATE signal_rows");
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("rows", rows);
        out.put("rows_identical", true);
        out.put("via_kafka_rows_per_s", Math.round(rows / viaBus));
        out.put("direct_rows_per_s", Math.round(rows / direct));
        out.put("ratio", Math.round(ratio * 1000) / 1000.0);
        return out;
    }

    private String digest(final String sql) throws Exception
    {
        return String.valueOf(BenchSql.count(db, "SELECT count(*) FROM signals")) + "/" +
            BenchSql.count(db, "SELECT coalesce(sum(hashtext(x)::bigint), 0) FROM (" + sql + ") AS t(x)");
    }

    private Map<String, Object> latency(final String kafkaUrl, final String redisUrl, final long generated) throws Exception
    {
        final double sessionRate = generated / (6.5 * 3600);
        final double speed = 10_000 / sessionRate;
        final double seconds = quick ? 5 : 30;
        // a window of `seconds` at 10k ticks/s, from the busiest part of the session (the open)
        final Map<String, Object> out = new LinkedHashMap<>();
        out.put("offered_ticks_per_s", 10_000);
        out.put("speed", Math.round(speed * 100) / 100.0);
        for (final String kind : List.of("kafka", "redis"))
        {
            final String topic = "bench.latency." + kind + "." + System.nanoTime();
            final String url = kind.equals("kafka") ? kafkaUrl : redisUrl;
            if (kind.equals("kafka"))
            {
                createTopic(url, topic, 4, true); // CreateTime: the record carries its send time
            }
            final Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            final AtomicBoolean stop = new AtomicBoolean();
            final Thread receiver = kind.equals("kafka") ? kafkaReceiver(url, topic, h, stop) : redisReceiver(url, topic, h, stop);
            receiver.start();
            Thread.sleep(2_000);
            try (InProcessBus inProcess = new InProcessBus(1 << 14, new BackoffWaitStrategy(1_000_000)); Buses buses = buses(inProcess);
                 ReplayService service = new ReplayService(db, buses, new SimpleMeterRegistry(), new ReplayService.Context().maxConcurrent(1)
                     .journal(false).journalDir(workDir.resolve("journal")).metricsRetentionMinutes(0).bus(new BusSpec(kind, url, topic, BusFormat.JSON))))
            {
                final Instant from = Instant.parse("2025-11-03T14:30:00Z");
                final ReplayRun run = service.start(ReplayRequest.fromDatabase("busbench", SYMBOLS, from, from.plusMillis(Math.round(seconds * speed * 1000)),
                    speed).withSignals(List.of("none")));
                run.done().get(10, TimeUnit.MINUTES);
            }
            Thread.sleep(2_000);
            stop.set(true); // not an interrupt: the clients would log their interrupted close as an error
            receiver.join(10_000);
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", h.getTotalCount());
            m.put("p50_ms", h.getValueAtPercentile(50) / 1e3);
            m.put("p99_ms", h.getValueAtPercentile(99) / 1e3);
            m.put("max_ms", h.getMaxValue() / 1e3);
            out.put(kind, m);
            System.out.printf(Locale.ROOT, "  %-58s p50 %.1f ms, p99 %.1f ms, max %.1f ms over %,d ticks (goal p99 <= %s ms; millisecond clocks)%n",
                "latency at 10k ticks/s, publish -> " + kind + " consumer", h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getMaxValue() / 1e3, h.getTotalCount(), kind.equals("kafka") ? "5" : "2");
        }
        return out;
    }

    private static Thread kafkaReceiver(final String url, final String topic, final Histogram h, final AtomicBoolean stop)
    {
        return new Thread(() ->
        {
            final Map<String, Object> p = new HashMap<>();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, url);
            p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p))
            {
                final List<TopicPartition> parts = c.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                while (!stop.get())
                {
                    for (final ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100)))
                    {
                        if (r.headers().lastHeader("kind") == null)
                        {
                            h.recordValue(Math.max(0, System.currentTimeMillis() - r.timestamp()) * 1000);
                        }
                    }
                }
            }
        }, "bench-kafka-receiver");
    }

    private static Thread redisReceiver(final String url, final String prefix, final Histogram h, final AtomicBoolean stop)
    {
        return new Thread(() ->
        {
            final RedisClient client = RedisClient.create(url);
            try (StatefulRedisConnection<String, String> c = client.connect(StringCodec.UTF8))
            {
                final Map<String, String> last = new HashMap<>();
                for (int k = 0; k < 4; k++)
                {
                    last.put(RedisBus.key(prefix, k), "$");
                }
                while (!stop.get())
                {
                    @SuppressWarnings("unchecked")
                    final XReadArgs.StreamOffset<String>[] offsets = last.entrySet().stream()
                        .map(e -> XReadArgs.StreamOffset.from(e.getKey(), e.getValue())).toArray(XReadArgs.StreamOffset[]::new);
                    for (final StreamMessage<String, String> m : c.sync().xread(XReadArgs.Builder.block(100), offsets))
                    {
                        last.put(m.getStream(), m.getId());
                        if ("tick".equals(m.getBody().get("kind")))
                        {
                            final long ms = Long.parseLong(m.getId().substring(0, m.getId().indexOf('-')));
                            h.recordValue(Math.max(0, System.currentTimeMillis() - ms) * 1000);
                        }
                    }
                }
            }
            finally
            {
                client.shutdown();
            }
        }, "bench-redis-receiver");
    }
}
