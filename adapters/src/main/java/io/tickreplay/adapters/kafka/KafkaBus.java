package io.tickreplay.adapters.kafka;

import io.tickreplay.adapters.bus.BusFormat;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.bus.MessageEncoder;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.SymbolHash;
import io.tickreplay.engine.bus.TickBus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Kafka as the stream bus: one idempotent producer per broker address, shared by every replay of the
 * process, and a {@link TickBus} per run ({@link #forRun}) that sends each emitted tick as a record
 * keyed by its symbol to the partition {@link SymbolHash} gives it (per-symbol order within a
 * partition; none across symbols), with headers {@code origin}, {@code replay_run_id} and
 * {@code format}, and one {@code replay_end} control record per partition at the end.
 *
 * <p>Settings for bursts: {@code acks=all}, idempotence, lz4, 256 KiB batches, 10 ms linger. A paced
 * tick is sent at once: the run asks a flusher thread of this bus to flush, which coalesces the
 * requests of every run (the publisher never blocks on a flush). A failed delivery is kept and thrown
 * by the run's next call, which fails the run. Topics this bus creates use
 * {@code message.timestamp.type=LogAppendTime}: records replayed from 2013 must not be deleted at once
 * by time retention (KAFKA-7910). Thread-safe; {@link #close()} once.
 */
public final class KafkaBus implements AutoCloseable
{
    private final String bootstrap;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final Thread flusher;
    private volatile boolean flushWanted;
    private volatile boolean closed;
    private final LongAdder records = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder errors = new LongAdder();

    private KafkaBus(final String bootstrap, final Admin admin, final KafkaProducer<byte[], byte[]> producer)
    {
        this.bootstrap = bootstrap;
        this.admin = admin;
        this.producer = producer;
        this.flusher = new Thread(this::flushLoop, "kafka-bus-flusher");
        this.flusher.setDaemon(true);
    }

    /**
     * Connects to the brokers at {@code bootstrap} ({@code host:port[,host:port]}), or fails within
     * {@code timeout} with a {@link BusUnavailableException} naming the address.
     */
    public static KafkaBus connect(final String bootstrap, final Duration timeout)
    {
        checkReachable(bootstrap, timeout);
        final Admin admin = Admin.create(adminConfig(bootstrap, timeout));
        try
        {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int)timeout.toMillis())).nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            admin.close(Duration.ZERO);
            throw new BusUnavailableException("kafka bus at " + bootstrap + ": interrupted while connecting", e);
        }
        catch (final ExecutionException | TimeoutException e)
        {
            admin.close(Duration.ZERO);
            throw new BusUnavailableException("kafka bus at " + bootstrap + " cannot be reached within " + timeout.toSeconds() + " s: " +
                (e.getCause() == null ? e : e.getCause()).getMessage(), e);
        }
        final KafkaBus bus = new KafkaBus(bootstrap, admin, new KafkaProducer<>(producerConfig(bootstrap)));
        bus.flusher.start();
        return bus;
    }

    /** A cheap TCP check of every address first: a broker that is down fails in a second, not after the client's back-offs. */
    static void checkReachable(final String bootstrap, final Duration timeout)
    {
        IOException last = null;
        for (final String address : bootstrap.split(","))
        {
            final String a = address.strip();
            final int colon = a.lastIndexOf(':');
            if (colon < 1)
            {
                throw new IllegalArgumentException("kafka bus url must be host:port[,host:port], was '" + bootstrap + "'");
            }
            try (Socket s = new Socket())
            {
                s.connect(new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))), (int)Math.min(timeout.toMillis(), 3000));
                return;
            }
            catch (final IOException e)
            {
                last = e;
            }
            catch (final NumberFormatException e)
            {
                throw new IllegalArgumentException("kafka bus url must be host:port[,host:port], was '" + bootstrap + "'");
            }
        }
        throw new BusUnavailableException("kafka bus at " + bootstrap + " cannot be reached: " + last.getMessage(), last);
    }

    static Map<String, Object> adminConfig(final String bootstrap, final Duration timeout)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)Math.min(timeout.toMillis(), 5000));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int)timeout.toMillis());
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "tickreplay-admin");
        return p;
    }

    static Map<String, Object> producerConfig(final String bootstrap)
    {
        final Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // one batch in flight per partition: with more, a leader that restarts mid-burst can leave the idempotent producer
        // resending a reset sequence the broker refuses (OutOfOrderSequence) until the records expire; seen in KafkaBusIT
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L << 20);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "tickreplay-replay");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    public String bootstrap()
    {
        return bootstrap;
    }

    /** Creates {@code topic} with {@code partitions} partitions and LogAppendTime if it does not exist; returns its partition count. */
    public int ensureTopic(final String topic, final int partitions)
    {
        createTopic(admin, bootstrap, topic, partitions);
        return producer.partitionsFor(topic).size();
    }

    /** Creates {@code topic} (LogAppendTime) unless it exists. */
    static void createTopic(final Admin admin, final String bootstrap, final String topic, final int partitions)
    {
        try
        {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short)1)
                .configs(Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime")))).all().get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException e)
        {
            if (!(e.getCause() instanceof TopicExistsException))
            {
                throw new BusUnavailableException("kafka bus at " + bootstrap + ": cannot create topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("kafka bus at " + bootstrap + ": interrupted creating topic " + topic, e);
        }
        catch (final TimeoutException e)
        {
            throw new BusUnavailableException("kafka bus at " + bootstrap + ": creating topic " + topic + " timed out", e);
        }
    }

    /** The end offset of every partition of {@code topic} (the next offset a record would get). */
    public Map<Integer, Long> endOffsets(final String topic)
    {
        try
        {
            final Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (final var p : producer.partitionsFor(topic))
            {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            final Map<Integer, Long> out = new HashMap<>();
            admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS).forEach((tp, info) -> out.put(tp.partition(), info.offset()));
            return out;
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        catch (final ExecutionException | TimeoutException e)
        {
            throw new IllegalStateException("end offsets of " + topic + ": " + e.getMessage(), e);
        }
    }

    /** A bus for one run's messages on {@code topic} (created if missing, with {@code partitions}). */
    public TickBus forRun(final String topic, final int partitions, final BusFormat format, final long runId)
    {
        final int count = ensureTopic(topic, partitions);
        return new RunBus(topic, count, format, runId, "replay");
    }

    /** A bus for a live feed's messages on {@code topic} (origin live, no run). */
    public TickBus forLive(final String topic, final int partitions, final BusFormat format)
    {
        return new RunBus(topic, ensureTopic(topic, partitions), format, 0, "live");
    }

    /** Records and bytes sent, and failed deliveries, by every run of this bus (metrics). */
    public long recordsSent()
    {
        return records.sum();
    }

    public long bytesSent()
    {
        return bytes.sum();
    }

    public long sendErrors()
    {
        return errors.sum();
    }

    private void requestFlush()
    {
        if (!flushWanted)
        {
            flushWanted = true;
            LockSupport.unpark(flusher);
        }
    }

    private void flushLoop()
    {
        while (!closed)
        {
            if (flushWanted)
            {
                flushWanted = false;
                try
                {
                    producer.flush();
                }
                catch (final RuntimeException e)
                {
                    // a failed delivery reaches its run through the send callback
                }
            }
            else
            {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
    }

    @Override
    public void close()
    {
        closed = true;
        LockSupport.unpark(flusher);
        try
        {
            flusher.join(5_000);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
        admin.close(Duration.ofSeconds(5));
    }

    /** One run's view: its topic, headers and encoder; the first failed delivery fails the run. */
    private final class RunBus implements TickBus
    {
        private final String topic;
        private final int partitions;
        private final MessageEncoder encoder;
        private final List<Header> headers;
        private final AtomicReference<Exception> failure = new AtomicReference<>();
        private final Callback callback = (metadata, e) ->
        {
            if (e != null)
            {
                errors.increment();
                failure.compareAndSet(null, e);
            }
        };

        RunBus(final String topic, final int partitions, final BusFormat format, final long runId, final String origin)
        {
            this.topic = topic;
            this.partitions = partitions;
            this.encoder = new MessageEncoder(format);
            this.headers = List.of(
                new RecordHeader("origin", origin.getBytes(StandardCharsets.US_ASCII)),
                new RecordHeader("replay_run_id", Long.toString(runId).getBytes(StandardCharsets.US_ASCII)),
                new RecordHeader("format", format.label().getBytes(StandardCharsets.US_ASCII)));
        }

        @Override
        public void publish(final BusMessage message)
        {
            check();
            final byte[] key = encoder.name(message.symbol);
            final byte[] value = encoder.value(message);
            producer.send(new ProducerRecord<>(topic, SymbolHash.partition(key, partitions), null, key, value, headers), callback);
            records.increment();
            bytes.add(key.length + value.length);
        }

        @Override
        public void flush()
        {
            check();
            requestFlush();
        }

        /** Blocks until every record sent so far is acknowledged (acks=all): at a checkpoint. */
        @Override
        public void sync()
        {
            check();
            producer.flush();
            check();
        }

        @Override
        public void startOfRun(final String provider, final long runId, final long windowStart, final long windowEnd)
        {
            control("replay_start", encoder.start(provider, runId, windowStart, windowEnd));
        }

        @Override
        public void endOfRun(final String provider, final long runId, final long ticks, final String checksum, final boolean complete)
        {
            check();
            control("replay_end", encoder.end(provider, runId, ticks, checksum, complete));
            producer.flush();
            check();
        }

        /** One control record on every partition (a consumer of any of them learns it, in order with the ticks). */
        private void control(final String kind, final byte[] value)
        {
            final List<Header> controlHeaders = new ArrayList<>(headers);
            controlHeaders.add(new RecordHeader("kind", kind.getBytes(StandardCharsets.US_ASCII)));
            for (int p = 0; p < partitions; p++)
            {
                producer.send(new ProducerRecord<>(topic, p, null, null, value, controlHeaders), callback);
            }
        }

        private void check()
        {
            final Exception e = failure.get();
            if (e != null)
            {
                throw new IllegalStateException("kafka bus at " + bootstrap + ", topic " + topic + ": " + e.getMessage(), e);
            }
        }
    }
}
