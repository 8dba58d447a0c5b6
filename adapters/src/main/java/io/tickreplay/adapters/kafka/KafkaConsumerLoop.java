package io.tickreplay.adapters.kafka;

import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.BusRecordParser;
import io.tickreplay.adapters.bus.ConsumerStore;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.engine.bus.BusMessage;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A member of a Kafka consumer group running a {@link ConsumerCore}: the group protocol shares the
 * topic's partitions among the members; this one reads the partitions it is given from their
 * beginning (rebuilding its state silently up to the position its group stored in PostgreSQL), and
 * commits rows and positions together by the core's batch rules. Kafka's own committed offsets are
 * not used (Kafka's documentation: store the offset with the output). A record that cannot be read
 * goes to {@code <topic>.dead-letter} with its partition, offset and the reason, is counted and logged,
 * and the loop goes on. Runs on the thread that calls {@link #run()}; {@link #stop()} from any thread.
 */
public final class KafkaConsumerLoop implements BusConsumerLoop
{
    private static final Logger LOG = LoggerFactory.getLogger(KafkaConsumerLoop.class);

    private final String bootstrap;
    private final String topic;
    private final ConsumerCore core;
    private final Duration idleExit;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> deadLetters;
    private final BusRecordParser parser = new BusRecordParser();
    private final BusMessage message = new BusMessage();
    private final BusRecordParser.Control control = new BusRecordParser.Control();
    private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
    private final LongAdder consumed = new LongAdder();
    private final LongAdder dead = new LongAdder();
    private volatile boolean stopped;
    private Duration outageGrace = Duration.ofSeconds(30);
    private boolean waitingForDatabase;

    public KafkaConsumerLoop(final String bootstrap, final String topic, final String group, final ConsumerCore core, final Duration idleExit)
    {
        this(bootstrap, topic, 4, group, core, idleExit);
    }

    /** @param partitions the partitions of {@code topic} if this member has to create it (before any replay did) */
    public KafkaConsumerLoop(final String bootstrap, final String topic, final int partitions, final String group, final ConsumerCore core,
        final Duration idleExit)
    {
        KafkaBus.checkReachable(bootstrap, Duration.ofSeconds(10));
        this.bootstrap = bootstrap;
        this.topic = topic;
        this.core = core;
        this.idleExit = idleExit;
        final Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
        // a member that dies (kill -9) is noticed in seconds, not the default 45 s
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1500);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tickreplay-consume-" + ConsumerCore.label(core.role()) + "-" + ProcessHandle.current().pid());
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        try (Admin admin = Admin.create(KafkaBus.adminConfig(bootstrap, Duration.ofSeconds(10))))
        {
            KafkaBus.createTopic(admin, bootstrap, topic, partitions);
            KafkaBus.createTopic(admin, bootstrap, topic + ".dead-letter", 1);
        }
        this.consumer = new KafkaConsumer<>(p);
        this.deadLetters = new KafkaProducer<>(KafkaBus.producerConfig(bootstrap));
    }

    /** Consumes until {@link #stop()}, or until {@code idleExit} passes without a message; everything read is committed on return. */
    @Override
    public void run() throws SQLException
    {
        consumer.subscribe(List.of(topic), new Rebalance());
        long lastMessage = System.nanoTime();
        try
        {
            while (!stopped)
            {
                final ConsumerRecords<byte[], byte[]> records;
                try
                {
                    records = consumer.poll(Duration.ofMillis(200));
                }
                catch (final WakeupException e)
                {
                    break;
                }
                final long now = System.nanoTime();
                if (records.isEmpty())
                {
                    if (core.due(now))
                    {
                        commit();
                    }
                    if (idleExit != null && now - lastMessage >= idleExit.toNanos() && !consumer.assignment().isEmpty())
                    {
                        LOG.info("no message for {} s: committing and stopping", idleExit.toSeconds());
                        break;
                    }
                    continue;
                }
                lastMessage = now;
                for (final ConsumerRecord<byte[], byte[]> r : records)
                {
                    if (!handleOrRecover(r))
                    {
                        break; // the database came back: the rest of this poll is read again from the stored positions
                    }
                }
                updateLag();
            }
            commit();
        }
        finally
        {
            updateLag();
        }
    }

    /** Handles a record and commits when due; false when the database was lost meanwhile and the partitions are read again. */
    private boolean handleOrRecover(final ConsumerRecord<byte[], byte[]> r) throws SQLException
    {
        try
        {
            handle(r);
            if (core.due(System.nanoTime()))
            {
                core.commit();
            }
            return true;
        }
        catch (final SQLException e)
        {
            if (!ConsumerStore.lostConnection(e))
            {
                throw e;
            }
            awaitDatabase(e);
            return false;
        }
    }

    private void commit() throws SQLException
    {
        try
        {
            core.commit();
        }
        catch (final SQLException e)
        {
            if (!ConsumerStore.lostConnection(e))
            {
                throw e;
            }
            awaitDatabase(e);
        }
    }

    /**
     * The database went away: nothing uncommitted is kept, the member keeps its partitions (heartbeats go
     * on) and waits up to {@code db.outage-grace}, backing off to 5 s, for the database to answer; then
     * reads its partitions again from their stored positions. A database that does not come back in time
     * ends the member with the reason.
     */
    private void awaitDatabase(final SQLException cause) throws SQLException
    {
        LOG.warn("the database is gone ({}): dropping what is not committed and waiting up to {} s for it", cause.getMessage(), outageGrace.toSeconds());
        core.abandon();
        waitingForDatabase = true;
        final long deadline = System.nanoTime() + outageGrace.toNanos();
        long backoff = 250;
        while (!stopped)
        {
            consumer.pause(consumer.assignment());
            consumer.poll(Duration.ofMillis(backoff)); // keeps the membership alive while paused
            try
            {
                core.storedPositions();
                break;
            }
            catch (final SQLException again)
            {
                if (System.nanoTime() - deadline > 0)
                {
                    throw new SQLException("the database did not answer within db.outage-grace (" + outageGrace.toSeconds() + " s): " +
                        again.getMessage(), again.getSQLState(), again);
                }
                backoff = Math.min(5_000, backoff * 2);
            }
        }
        waitingForDatabase = false;
        consumer.resume(consumer.assignment());
        LOG.warn("the database answers again: reading this member's partitions again from their stored positions");
        new Rebalance().onPartitionsAssigned(List.copyOf(consumer.assignment()));
    }

    /** How long the member waits for a lost database ({@code db.outage-grace}, 30 s by default). */
    public KafkaConsumerLoop outageGrace(final Duration grace)
    {
        this.outageGrace = grace;
        return this;
    }

    private void handle(final ConsumerRecord<byte[], byte[]> r) throws SQLException
    {
        if (!core.owns(r.partition()))
        {
            return; // revoked in this poll's rebalance
        }
        final String next = Long.toString(r.offset() + 1);
        consumed.increment();
        try
        {
            final BusRecordParser.Kind kind = parser.parse(r.value(), message, control);
            if (kind == BusRecordParser.Kind.TICK)
            {
                core.tick(r.partition(), r.offset(), next, message);
            }
            else
            {
                core.control(r.partition(), r.offset(), next, kind, control);
            }
        }
        catch (final BusRecordParser.PoisonException e)
        {
            core.skipped(r.partition(), r.offset(), next);
            if (core.writes(r.partition(), r.offset()))
            {
                dead.increment();
                LOG.warn("{} partition {} offset {}: {}; sent to {}.dead-letter", topic, r.partition(), r.offset(), e.getMessage(), topic);
                final ProducerRecord<byte[], byte[]> letter = new ProducerRecord<>(topic + ".dead-letter", null, r.key(), r.value());
                letter.headers().add(new RecordHeader("source_partition", Integer.toString(r.partition()).getBytes(StandardCharsets.US_ASCII)));
                letter.headers().add(new RecordHeader("source_offset", Long.toString(r.offset()).getBytes(StandardCharsets.US_ASCII)));
                letter.headers().add(new RecordHeader("error", e.getMessage().getBytes(StandardCharsets.UTF_8)));
                deadLetters.send(letter, (metadata, error) ->
                {
                    if (error != null)
                    {
                        LOG.error("could not send a dead letter to {}.dead-letter: {}", topic, error.getMessage());
                    }
                });
            }
        }
    }

    private void updateLag()
    {
        for (final TopicPartition tp : consumer.assignment())
        {
            final OptionalLong l = consumer.currentLag(tp);
            if (l.isPresent())
            {
                lag.put(tp.partition(), l.getAsLong());
            }
        }
        lag.keySet().removeIf(p -> !consumer.assignment().contains(new TopicPartition(topic, p)));
    }

    /** Messages behind the end of each partition this member owns (for {@code tickreplay_bus_consumer_lag}). Any thread. */
    @Override
    public Map<Integer, Long> lag()
    {
        return Map.copyOf(lag);
    }

    @Override
    public long consumed()
    {
        return consumed.sum();
    }

    @Override
    public long deadLetters()
    {
        return dead.sum();
    }

    public String bootstrap()
    {
        return bootstrap;
    }

    @Override
    public void stop()
    {
        stopped = true;
        consumer.wakeup();
    }

    @Override
    public void close()
    {
        consumer.close(Duration.ofSeconds(10));
        deadLetters.close(Duration.ofSeconds(5));
        core.close();
    }

    /** Positions live in PostgreSQL: a partition given to us is read from its beginning, silently up to its stored position. */
    private final class Rebalance implements ConsumerRebalanceListener
    {
        @Override
        public void onPartitionsRevoked(final Collection<TopicPartition> partitions)
        {
            try
            {
                core.commit();
            }
            catch (final SQLException e)
            {
                // nothing of this batch is stored: the next owner reads these partitions from their stored positions and writes it
                LOG.warn("could not commit before giving {} partition(s) up ({}): their next owner writes what this member read", partitions.size(),
                    e.getMessage());
                core.abandon();
            }
            partitions.forEach(tp -> core.revoked(tp.partition()));
            LOG.info("gave up {} partition(s) of {}: {}", partitions.size(), topic, partitions);
        }

        @Override
        public void onPartitionsLost(final Collection<TopicPartition> partitions)
        {
            // ownership is gone before anything could be committed: drop all, and read what remains ours again
            core.abandon();
            final List<TopicPartition> kept = new ArrayList<>(consumer.assignment());
            kept.removeAll(partitions);
            LOG.warn("lost {} partition(s) of {}; reading the {} kept again from their stored positions", partitions.size(), topic, kept.size());
            onPartitionsAssigned(kept);
        }

        @Override
        public void onPartitionsAssigned(final Collection<TopicPartition> partitions)
        {
            if (partitions.isEmpty())
            {
                return;
            }
            final Map<Integer, String> stored;
            try
            {
                stored = core.storedPositions();
            }
            catch (final SQLException e)
            {
                if (waitingForDatabase)
                {
                    return; // given during the outage: read from their stored positions once the database is back
                }
                throw new BusUnavailableException("reading the stored positions of " + topic + ": " + e.getMessage(), e);
            }
            for (final TopicPartition tp : partitions)
            {
                final String s = stored.get(tp.partition());
                core.assigned(tp.partition(), s == null ? 0 : Long.parseLong(s));
            }
            consumer.seekToBeginning(partitions);
            LOG.info("took {} partition(s) of {}: {} (stored positions {})", partitions.size(), topic, partitions, stored);
        }
    }
}
