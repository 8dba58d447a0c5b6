package io.tickreplay.adapters.bus;

import java.sql.SQLException;
import java.util.Map;

/** A consumer group member on a bus (Kafka, Redis) running a {@link ConsumerCore}: what {@code tickreplay consume} runs. */
public interface BusConsumerLoop extends AutoCloseable
{
    /** Consumes until {@link #stop()} or the idle limit; everything read is committed on return. */
    void run() throws SQLException;

    /** Any thread. */
    void stop();

    long consumed();

    long deadLetters();

    /** Messages behind the end, per partition or shard this member owns. Any thread. */
    Map<Integer, Long> lag();

    @Override
    void close();
}
