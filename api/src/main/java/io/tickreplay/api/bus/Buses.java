package io.tickreplay.api.bus;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tickreplay.adapters.kafka.KafkaBus;
import io.tickreplay.adapters.redis.RedisBus;
import io.tickreplay.engine.bus.InProcessBus;
import io.tickreplay.engine.bus.TickBus;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;

/**
 * The buses this process publishes to: the in-process bus, and a connection per Kafka or Redis
 * address, opened on first use (within {@link #CONNECT_TIMEOUT}, or a clear error naming the URL) and
 * shared by every replay to it, closed with this. Thread-safe.
 */
public final class Buses implements AutoCloseable
{
    /** How long a bus may take to answer before a replay that asks for it is refused. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** Kafka partitions and Redis shards of topics this process creates, and the Redis trimming ({@code bus.kafka.*}, {@code bus.redis.*}). */
    public record Settings(int kafkaPartitions, int redisShards, long redisMaxLen)
    {
        public static Settings defaults()
        {
            return new Settings(4, 4, 0);
        }
    }

    private final InProcessBus inProcess;
    private final Settings settings;
    private final MeterRegistry registry;
    private final Map<String, KafkaBus> kafka = new ConcurrentHashMap<>();
    private final Map<String, RedisBus> redis = new ConcurrentHashMap<>();

    public Buses(final InProcessBus inProcess, final Settings settings, final MeterRegistry registry)
    {
        this.inProcess = inProcess;
        this.settings = settings;
        this.registry = registry;
    }

    public InProcessBus inProcess()
    {
        return inProcess;
    }

    /** Connects to the spec's bus now (or finds the open connection): the check a replay makes before it has a job row. */
    public void connect(final BusSpec spec)
    {
        switch (spec.kind())
        {
            case BusSpec.KAFKA -> kafka(spec.url());
            case BusSpec.REDIS -> redis(spec.url());
            default ->
            {
            }
        }
    }

    /** The bus a run publishes to. */
    public TickBus forRun(final BusSpec spec, final String provider, final long runId)
    {
        return switch (spec.kind())
        {
            case BusSpec.KAFKA -> kafka(spec.url()).forRun(spec.topicFor(provider), settings.kafkaPartitions(), spec.format(), runId);
            case BusSpec.REDIS -> redis(spec.url()).forRun(spec.topicFor(provider), settings.redisShards(), spec.format(), runId, settings.redisMaxLen());
            default -> inProcess;
        };
    }

    /** The bus a live feed publishes to (origin live). */
    public TickBus forLive(final BusSpec spec, final String provider)
    {
        return switch (spec.kind())
        {
            case BusSpec.KAFKA -> kafka(spec.url()).forLive(spec.topicFor(provider), settings.kafkaPartitions(), spec.format());
            case BusSpec.REDIS -> redis(spec.url()).forRun(spec.topicFor(provider), settings.redisShards(), spec.format(), 0, settings.redisMaxLen());
            default -> inProcess;
        };
    }

    public Settings settings()
    {
        return settings;
    }

    /**
     * How far behind the consumer groups reading {@code spec}'s topic for {@code provider} are: the
     * largest, over the groups that stored a position in {@code bus_offsets}, of the messages between
     * their positions and the end of every partition (Redis: counted up to {@code cap} per shard).
     */
    public long consumerLag(final BusSpec spec, final String provider, final DataSource dataSource, final long cap)
    {
        final String topic = spec.topicFor(provider);
        final Map<String, Map<Integer, String>> stored = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT \"group\", partition, next_position FROM bus_offsets WHERE topic = ?"))
        {
            s.setString(1, topic);
            try (ResultSet rs = s.executeQuery())
            {
                while (rs.next())
                {
                    stored.computeIfAbsent(rs.getString(1), g -> new HashMap<>()).put(rs.getInt(2), rs.getString(3));
                }
            }
        }
        catch (final SQLException e)
        {
            throw new IllegalStateException("reading bus_offsets: " + e.getMessage(), e);
        }
        long worst = 0;
        if (spec.kind().equals(BusSpec.KAFKA))
        {
            final Map<Integer, Long> ends = kafka(spec.url()).endOffsets(topic);
            for (final Map<Integer, String> positions : stored.values())
            {
                long lag = 0;
                for (final Map.Entry<Integer, Long> end : ends.entrySet())
                {
                    final String next = positions.get(end.getKey());
                    lag += end.getValue() - (next == null ? 0 : Long.parseLong(next));
                }
                worst = Math.max(worst, lag);
            }
        }
        else if (spec.kind().equals(BusSpec.REDIS))
        {
            final RedisBus bus = redis(spec.url());
            for (final Map<Integer, String> positions : stored.values())
            {
                long lag = 0;
                for (int shard = 0; shard < settings.redisShards(); shard++)
                {
                    lag += bus.entriesAfter(RedisBus.key(topic, shard), positions.get(shard), cap);
                }
                worst = Math.max(worst, lag);
            }
        }
        return worst;
    }

    private KafkaBus kafka(final String url)
    {
        return kafka.computeIfAbsent(url, u ->
        {
            final KafkaBus bus = KafkaBus.connect(u, CONNECT_TIMEOUT);
            if (registry != null)
            {
                FunctionCounter.builder("tickreplay_bus_records_sent", bus, KafkaBus::recordsSent).description("Records a replay sent to a bus")
                    .tags("bus", "kafka", "url", u).register(registry);
                FunctionCounter.builder("tickreplay_bus_bytes_sent", bus, KafkaBus::bytesSent).description("Bytes of keys and payloads sent to a bus")
                    .baseUnit("bytes").tags("bus", "kafka", "url", u).register(registry);
                FunctionCounter.builder("tickreplay_bus_send_errors", bus, KafkaBus::sendErrors).description("Failed deliveries to a bus")
                    .tags("bus", "kafka", "url", u).register(registry);
            }
            return bus;
        });
    }

    private RedisBus redis(final String url)
    {
        return redis.computeIfAbsent(url, u ->
        {
            final RedisBus bus = RedisBus.connect(u, CONNECT_TIMEOUT);
            if (registry != null)
            {
                FunctionCounter.builder("tickreplay_bus_records_sent", bus, RedisBus::entriesAdded).description("Records a replay sent to a bus")
                    .tags("bus", "redis", "url", u).register(registry);
                FunctionCounter.builder("tickreplay_bus_send_errors", bus, RedisBus::addErrors).description("Failed deliveries to a bus")
                    .tags("bus", "redis", "url", u).register(registry);
            }
            return bus;
        });
    }

    @Override
    public void close()
    {
        kafka.values().forEach(KafkaBus::close);
        redis.values().forEach(RedisBus::close);
        kafka.clear();
        redis.clear();
    }
}
