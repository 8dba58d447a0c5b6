package io.tickreplay.adapters.redis;

import io.lettuce.core.LettuceFutures;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.tickreplay.adapters.bus.BusFormat;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.bus.MessageEncoder;
import io.tickreplay.engine.bus.BusJson;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.Decimals;
import io.tickreplay.engine.bus.SymbolHash;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.tick.Micros;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Redis Streams as the stream bus: per run a dedicated connection that pipelines {@code XADD}s to N
 * stream keys {@code <prefix>:<shard>} (a symbol always to the same key, by {@link SymbolHash}, so its
 * ticks stay in order), the seed's JSON keys as the entry's fields ({@code kind}, {@code provider},
 * {@code symbol}, {@code price}, {@code timestamp}, {@code size}, {@code bid}, {@code ask},
 * {@code bid_size}, {@code ask_size}, {@code seq}, {@code origin}, {@code replay_run_id}, {@code run_seq}; an absent
 * value has no field) or, in {@code binary} format, one field {@code frame}. Commands are flushed every
 * 1,000 (or at a paced tick) and their replies awaited, which bounds what is in flight and makes a
 * slow server slow the replay down. At the end, a {@code replay_end} entry on every key.
 *
 * <p>Nothing is trimmed unless {@code maxlen} is set: trimming ({@code MAXLEN ~}) deletes the oldest
 * entries whether or not a consumer group has acknowledged them, so a consumer that is behind loses
 * them. Thread-safe per run view only from the run's publisher thread.
 */
public final class RedisBus implements AutoCloseable
{
    private static final int PIPELINE = 1000;

    private final String url;
    private final RedisClient client;
    private final LongAdder entries = new LongAdder();
    private final LongAdder errors = new LongAdder();

    private RedisBus(final String url, final RedisClient client)
    {
        this.url = url;
        this.client = client;
    }

    /** Connects to {@code url} ({@code redis://host:port[/db]}) and PINGs it, or fails within {@code timeout} naming the URL. */
    public static RedisBus connect(final String url, final Duration timeout)
    {
        final RedisURI uri;
        try
        {
            uri = RedisURI.create(url);
        }
        catch (final RuntimeException e)
        {
            throw new IllegalArgumentException("redis bus url must be redis://host:port[/db], was '" + url + "'");
        }
        uri.setTimeout(timeout);
        final RedisClient client = RedisClient.create(uri);
        client.setOptions(io.lettuce.core.ClientOptions.builder()
            .socketOptions(io.lettuce.core.SocketOptions.builder().connectTimeout(timeout).build()).build());
        try (StatefulRedisConnection<byte[], byte[]> c = client.connect(ByteArrayCodec.INSTANCE))
        {
            c.sync().ping();
        }
        catch (final RuntimeException e)
        {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
            throw new BusUnavailableException("redis bus at " + url + " cannot be reached within " + timeout.toSeconds() + " s: " + rootMessage(e), e);
        }
        return new RedisBus(url, client);
    }

    private static String rootMessage(final Throwable e)
    {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t)
        {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    public String url()
    {
        return url;
    }

    public RedisClient client()
    {
        return client;
    }

    /** A bus for one run: {@code shards} stream keys under {@code prefix}; {@code maxlen} 0 = never trim. */
    public TickBus forRun(final String prefix, final int shards, final BusFormat format, final long runId, final long maxlen)
    {
        return new RunBus(prefix, shards, format, runId, maxlen);
    }

    /** The key of shard {@code shard} under {@code prefix}. */
    public static String key(final String prefix, final int shard)
    {
        return prefix + ":" + shard;
    }

    /** Entries of {@code key} after the entry {@code id} (null: all), counted up to {@code cap}. */
    public long entriesAfter(final String key, final String id, final long cap)
    {
        try (StatefulRedisConnection<String, String> c = client.connect(io.lettuce.core.codec.StringCodec.UTF8))
        {
            return c.sync().xrange(key, io.lettuce.core.Range.create(id == null ? "-" : "(" + id, "+"), io.lettuce.core.Limit.from(cap)).size();
        }
    }

    public long entriesAdded()
    {
        return entries.sum();
    }

    public long addErrors()
    {
        return errors.sum();
    }

    @Override
    public void close()
    {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }

    private static byte[] ascii(final String s)
    {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private final class RunBus implements TickBus, AutoCloseable
    {
        private final StatefulRedisConnection<byte[], byte[]> connection;
        private final RedisAsyncCommands<byte[], byte[]> commands;
        private final byte[][] keys;
        private final MessageEncoder encoder;
        private final XAddArgs args;
        private final List<RedisFuture<?>> pending = new ArrayList<>(PIPELINE);
        private final StringBuilder text = new StringBuilder(32);
        private final byte[] runIdText;

        RunBus(final String prefix, final int shards, final BusFormat format, final long runId, final long maxlen)
        {
            this.connection = client.connect(ByteArrayCodec.INSTANCE);
            this.connection.setAutoFlushCommands(false);
            this.commands = connection.async();
            this.keys = new byte[shards][];
            for (int i = 0; i < shards; i++)
            {
                keys[i] = ascii(key(prefix, i));
            }
            this.encoder = new MessageEncoder(format);
            this.args = maxlen > 0 ? new XAddArgs().maxlen(maxlen).approximateTrimming() : null;
            this.runIdText = ascii(Long.toString(runId));
        }

        @Override
        public void publish(final BusMessage m)
        {
            final byte[] symbol = encoder.name(m.symbol);
            final byte[] key = keys[SymbolHash.partition(symbol, keys.length)];
            final Object[] fields = encoder.format() == BusFormat.BINARY ? new Object[] {F_FRAME, encoder.value(m)} : fields(m, symbol);
            pending.add(args == null ? commands.xadd(key, fields) : commands.xadd(key, args, fields));
            if (pending.size() >= PIPELINE)
            {
                sync();
            }
        }

        private Object[] fields(final BusMessage m, final byte[] symbol)
        {
            final List<Object> f = new ArrayList<>(26);
            f.add(F_KIND);
            f.add(V_TICK);
            f.add(F_PROVIDER);
            f.add(encoder.name(m.provider));
            f.add(F_SYMBOL);
            f.add(symbol);
            number(f, F_PRICE, m.price);
            text.setLength(0);
            f.add(F_TIMESTAMP);
            f.add(BusJson.utf8(Micros.appendIso(text, m.tsMicros)));
            number(f, F_SIZE, m.size);
            number(f, F_BID, m.bid);
            number(f, F_ASK, m.ask);
            number(f, F_BID_SIZE, m.bidSize);
            number(f, F_ASK_SIZE, m.askSize);
            f.add(F_SEQ);
            f.add(ascii(Integer.toString(m.seq)));
            f.add(F_ORIGIN);
            f.add(m.origin == BusMessage.ORIGIN_REPLAY ? V_REPLAY : V_LIVE);
            if (m.origin == BusMessage.ORIGIN_REPLAY)
            {
                f.add(F_RUN_ID);
                f.add(runIdText);
                if (m.runSeq > 0)
                {
                    f.add(F_RUN_SEQ);
                    f.add(ascii(Long.toString(m.runSeq)));
                }
            }
            return f.toArray();
        }

        private void number(final List<Object> f, final byte[] field, final double v)
        {
            if (Double.isFinite(v))
            {
                text.setLength(0);
                f.add(field);
                f.add(BusJson.utf8(Decimals.append(text, v)));
            }
        }

        @Override
        public void flush()
        {
            sync();
        }

        @Override
        public void startOfRun(final String provider, final long runId, final long windowStart, final long windowEnd)
        {
            final byte[] json = encoder.start(provider, runId, windowStart, windowEnd);
            for (final byte[] key : keys)
            {
                pending.add(commands.xadd(key, F_KIND, ascii("replay_start"), F_CONTROL, json));
            }
        }

        @Override
        public void endOfRun(final String provider, final long runId, final long ticks, final String checksum, final boolean complete)
        {
            final byte[] json = encoder.end(provider, runId, ticks, checksum, complete);
            for (final byte[] key : keys)
            {
                pending.add(commands.xadd(key, F_KIND, ascii("replay_end"), F_CONTROL, json));
            }
            try
            {
                sync();
            }
            finally
            {
                close();
            }
        }

        /** Closes the run's connection (at its end, or when the run failed before it). */
        @Override
        public void close()
        {
            if (connection.isOpen())
            {
                connection.close();
            }
        }

        /** Sends what is queued and waits for every reply: the first error fails the run. A checkpoint's sync too. */
        @Override
        public void sync()
        {
            if (pending.isEmpty())
            {
                return;
            }
            connection.flushCommands();
            final RedisFuture<?>[] all = pending.toArray(RedisFuture[]::new);
            pending.clear();
            try
            {
                if (!LettuceFutures.awaitAll(30, TimeUnit.SECONDS, all))
                {
                    errors.increment();
                    throw new IllegalStateException("redis bus at " + url + ": no reply within 30 s");
                }
                entries.add(all.length);
            }
            catch (final RuntimeException e)
            {
                errors.increment();
                throw new IllegalStateException("redis bus at " + url + ": " + rootMessage(e), e);
            }
        }
    }

    static final byte[] F_KIND = ascii("kind");
    static final byte[] F_PROVIDER = ascii("provider");
    static final byte[] F_SYMBOL = ascii("symbol");
    static final byte[] F_PRICE = ascii("price");
    static final byte[] F_TIMESTAMP = ascii("timestamp");
    static final byte[] F_SIZE = ascii("size");
    static final byte[] F_BID = ascii("bid");
    static final byte[] F_ASK = ascii("ask");
    static final byte[] F_BID_SIZE = ascii("bid_size");
    static final byte[] F_ASK_SIZE = ascii("ask_size");
    static final byte[] F_SEQ = ascii("seq");
    static final byte[] F_ORIGIN = ascii("origin");
    static final byte[] F_RUN_ID = ascii("replay_run_id");
    static final byte[] F_RUN_SEQ = ascii("run_seq");
    static final byte[] F_FRAME = ascii("frame");
    /** A control entry's JSON ({@code replay_start}, {@code replay_end}), beside its {@code kind}. */
    static final byte[] F_CONTROL = ascii("control");
    static final byte[] V_TICK = ascii("tick");
    static final byte[] V_REPLAY = ascii("replay");
    static final byte[] V_LIVE = ascii("live");
}
