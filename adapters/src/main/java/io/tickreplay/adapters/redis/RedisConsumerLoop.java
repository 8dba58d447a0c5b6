package io.tickreplay.adapters.redis;

import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.models.stream.ClaimedMessages;
import io.tickreplay.adapters.bus.BusConsumerLoop;
import io.tickreplay.adapters.bus.ConsumerStore;
import io.tickreplay.adapters.bus.BusRecordParser;
import io.tickreplay.adapters.bus.BusUnavailableException;
import io.tickreplay.adapters.bus.ConsumerCore;
import io.tickreplay.engine.bus.BusMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A member of a consumer group on the Redis streams {@code <prefix>:0 .. <prefix>:N-1} running a
 * {@link ConsumerCore}. The members share the shards by claimed ownership: each holds a lease
 * ({@code <prefix>:owner:<group>:<shard>}, renewed every second, expiring after 5 s) on up to its fair
 * share of the shards (the shards over the members alive, seen through a heartbeat set); the shards
 * of a member that dies (kill -9) are free again when its leases expire, and another member claims
 * them. Taking a shard: the state is rebuilt silently from the shard's first entry up to the position
 * the group stored in PostgreSQL, the entries the group had delivered to anyone but not acknowledged
 * are taken over with {@code XAUTOCLAIM} and processed in id order, then new entries are read with
 * {@code XREADGROUP}. Entries are acknowledged after the batch that holds them is committed; the
 * positions in PostgreSQL, not the acknowledgements, decide what is written. An entry that cannot be
 * read goes to {@code <prefix>:dead-letter} and is counted.
 */
public final class RedisConsumerLoop implements BusConsumerLoop
{
    private static final Logger LOG = LoggerFactory.getLogger(RedisConsumerLoop.class);
    private static final long LEASE_MILLIS = 5_000;
    private static final long RENEW_NANOS = 1_000_000_000L;
    private static final int PAGE = 2_000;
    private static final String RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private static final String RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    private final String url;
    private final String prefix;
    private final int shards;
    private final String group;
    private final String me;
    private final ConsumerCore core;
    private final Duration idleExit;
    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;
    private final StatefulRedisConnection<String, String> control;
    private final BusRecordParser parser = new BusRecordParser();
    private final BusMessage message = new BusMessage();
    private final BusRecordParser.Control controlRecord = new BusRecordParser.Control();
    /** The shards we own, with the id of the last entry handed to the core. */
    private final Map<Integer, String> owned = new TreeMap<>();
    /** Ids read per shard since the last commit, acknowledged once it is committed. */
    private final Map<Integer, List<String>> toAck = new HashMap<>();
    private final Map<Integer, Long> lag = new ConcurrentHashMap<>();
    private final LongAdder consumed = new LongAdder();
    private final LongAdder dead = new LongAdder();
    private volatile boolean stopped;
    private long lastRenew;
    private Duration outageGrace = Duration.ofSeconds(30);

    public RedisConsumerLoop(final String url, final String prefix, final int shards, final String group, final ConsumerCore core, final Duration idleExit)
    {
        final RedisBus probe = RedisBus.connect(url, Duration.ofSeconds(10));
        this.client = probe.client();
        this.url = url;
        this.prefix = prefix;
        this.shards = shards;
        this.group = group;
        this.me = "c-" + ProcessHandle.current().pid() + "-" + Long.toHexString(System.nanoTime() & 0xffffffL);
        this.core = core;
        this.idleExit = idleExit;
        this.connection = client.connect(io.lettuce.core.codec.RedisCodec.of(StringCodec.UTF8, io.lettuce.core.codec.ByteArrayCodec.INSTANCE));
        this.redis = connection.sync();
        this.control = client.connect(StringCodec.UTF8);
        ensureGroups(false);
    }

    /**
     * The group on every shard's stream, made if missing (with the stream when it is gone). After a
     * restart of the server, says which streams did not survive it: their entries are lost, and this
     * member goes on with the new ones.
     */
    private void ensureGroups(final boolean afterRestart)
    {
        final RedisCommands<String, String> c = control.sync();
        for (int k = 0; k < shards; k++)
        {
            final String key = RedisBus.key(prefix, k);
            if (afterRestart && c.exists(key) == 0)
            {
                LOG.warn("{} did not survive the restart of redis at {} (a server without persistence): its entries are lost; " +
                    "the group is made again and reads what comes next", key, url);
            }
            try
            {
                c.xgroupCreate(XReadArgs.StreamOffset.from(key, "0"), group, XGroupCreateArgs.Builder.mkstream());
                if (afterRestart)
                {
                    LOG.warn("the group {} on {} was gone after the restart: made again", group, key);
                }
            }
            catch (final RedisBusyException exists)
            {
                // BUSYGROUP: the group is there already
            }
        }
    }

    /**
     * Redis went away (restarted, unreachable): everything not committed is dropped (it is read again),
     * the shards are given up, and the member waits, backing off to 5 s, for the server to answer, then
     * makes its group again where it is missing and takes shards as at its start. Gives up only on {@link #stop()}.
     */
    private void reconnect(final RuntimeException cause)
    {
        LOG.warn("redis at {} is gone ({}): dropping what is not committed and reconnecting", url, rootMessage(cause));
        core.abandon();
        owned.clear();
        toAck.clear();
        lag.clear();
        long backoff = 250;
        while (!stopped)
        {
            sleep(backoff);
            try
            {
                control.sync().ping();
                ensureGroups(true);
                LOG.warn("redis at {} answers again: taking shards back from their stored positions", url);
                lastRenew = 0;
                return;
            }
            catch (final RuntimeException again)
            {
                backoff = Math.min(5_000, backoff * 2);
            }
        }
    }

    private static String rootMessage(final Throwable e)
    {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t)
        {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private String lease(final int shard)
    {
        return prefix + ":owner:" + group + ":" + shard;
    }

    private String members()
    {
        return prefix + ":members:" + group;
    }

    @Override
    public void run() throws SQLException
    {
        long lastMessage = System.nanoTime();
        try
        {
            while (!stopped)
            {
                final long now = System.nanoTime();
                int read = 0;
                try
                {
                    if (now - lastRenew >= RENEW_NANOS)
                    {
                        balance();
                        lastRenew = now;
                    }
                    for (final int shard : List.copyOf(owned.keySet()))
                    {
                        read += readNew(shard);
                    }
                    if (core.due(System.nanoTime()))
                    {
                        commit();
                    }
                }
                catch (final RedisException e)
                {
                    reconnect(e);
                    continue;
                }
                catch (final SQLException e)
                {
                    if (!ConsumerStore.lostConnection(e))
                    {
                        throw e;
                    }
                    awaitDatabase(e);
                    continue;
                }
                if (read > 0)
                {
                    lastMessage = System.nanoTime();
                }
                else
                {
                    if (idleExit != null && !owned.isEmpty() && System.nanoTime() - lastMessage >= idleExit.toNanos())
                    {
                        LOG.info("no message for {} s: committing and stopping", idleExit.toSeconds());
                        break;
                    }
                    sleep(owned.isEmpty() ? 200 : 20);
                }
            }
            commit();
        }
        finally
        {
            try
            {
                for (final int shard : List.copyOf(owned.keySet()))
                {
                    control.sync().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {lease(shard)}, me);
                }
                control.sync().zrem(members(), me);
            }
            catch (final RedisException e)
            {
                LOG.warn("could not give the shards up on redis at {} ({}): their leases expire in {} s", url, rootMessage(e), LEASE_MILLIS / 1000);
            }
        }
    }

    /**
     * The database went away: nothing uncommitted is kept, the shards are given up, and the member waits
     * up to {@code db.outage-grace} (backing off to 5 s) for the database to answer; then takes shards as
     * at its start. A database that does not come back in time ends the member with the reason.
     */
    private void awaitDatabase(final SQLException cause) throws SQLException
    {
        LOG.warn("the database is gone ({}): dropping what is not committed and waiting up to {} s for it", cause.getMessage(), outageGrace.toSeconds());
        core.abandon();
        for (final int shard : List.copyOf(owned.keySet()))
        {
            try
            {
                control.sync().eval(RELEASE, ScriptOutputType.INTEGER, new String[] {lease(shard)}, me);
            }
            catch (final RedisException ignored)
            {
                // the lease expires by itself
            }
        }
        owned.clear();
        toAck.clear();
        final long deadline = System.nanoTime() + outageGrace.toNanos();
        long backoff = 250;
        while (!stopped)
        {
            sleep(backoff);
            try
            {
                core.storedPositions();
                LOG.warn("the database answers again: taking shards back from their stored positions");
                lastRenew = 0;
                return;
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
    }

    /** How long the member waits for a lost database ({@code db.outage-grace}, 30 s by default). */
    public RedisConsumerLoop outageGrace(final Duration grace)
    {
        this.outageGrace = grace;
        return this;
    }

    /** Heartbeat, then keep up to a fair share of the shards: renew ours, give extras up, claim free ones. */
    private void balance() throws SQLException
    {
        final long now = System.currentTimeMillis();
        final RedisCommands<String, String> c = control.sync();
        c.zadd(members(), now + LEASE_MILLIS, me);
        c.zremrangebyscore(members(), Range.create(0, now));
        final long alive = Math.max(1, c.zcard(members()));
        final int share = (int)((shards + alive - 1) / alive);
        for (final int shard : List.copyOf(owned.keySet()))
        {
            final Long renewed = c.eval(RENEW, ScriptOutputType.INTEGER, new String[] {lease(shard)}, me, Long.toString(LEASE_MILLIS));
            if (renewed == null || renewed == 0)
            {
                LOG.warn("lost the lease of {}:{}; dropping what is not committed and reading again", prefix, shard);
                core.abandon();
                final List<Integer> kept = new ArrayList<>(owned.keySet());
                kept.remove(Integer.valueOf(shard));
                owned.clear();
                toAck.clear();
                for (final int k : kept)
                {
                    take(k);
                }
                return;
            }
        }
        if (owned.size() > share)
        {
            commit();
            while (owned.size() > share)
            {
                final int shard = ((TreeMap<Integer, String>)owned).lastKey();
                owned.remove(shard);
                core.revoked(shard);
                c.eval(RELEASE, ScriptOutputType.INTEGER, new String[] {lease(shard)}, me);
                LOG.info("gave {}:{} up ({} members)", prefix, shard, alive);
            }
        }
        for (int shard = 0; shard < shards && owned.size() < share; shard++)
        {
            if (!owned.containsKey(shard) && "OK".equals(c.set(lease(shard), me, SetArgs.Builder.nx().px(LEASE_MILLIS))))
            {
                take(shard);
            }
        }
    }

    /** A shard is ours: rebuild its state up to the stored position, take over its pending entries, then read on. */
    private void take(final int shard) throws SQLException
    {
        final String stored = core.storedPositions().get(shard);
        final String key = RedisBus.key(prefix, shard);
        core.assigned(shard, stored == null ? 0 : pack(stored) + 1);
        String last = "0-0";
        // silent rebuild: everything up to and including the stored id
        if (stored != null)
        {
            String from = "-";
            while (true)
            {
                final List<StreamMessage<String, byte[]>> page = redis.xrange(key, Range.create(from, stored), Limit.from(PAGE));
                for (final StreamMessage<String, byte[]> m : page)
                {
                    handle(shard, m);
                    last = m.getId();
                }
                if (page.size() < PAGE)
                {
                    break;
                }
                from = "(" + last;
            }
            last = stored;
        }
        owned.put(shard, last);
        // entries the group delivered (to a member that died, or to us before) but nobody acknowledged
        final List<StreamMessage<String, byte[]>> pending = new ArrayList<>();
        String cursor = "0-0";
        do
        {
            final ClaimedMessages<String, byte[]> claimed = redis.xautoclaim(key, XAutoClaimArgs.Builder.xautoclaim(Consumer.from(group, me), Duration.ZERO,
                cursor).count(PAGE));
            pending.addAll(claimed.getMessages());
            cursor = claimed.getId();
        }
        while (!"0-0".equals(cursor));
        pending.sort(Comparator.comparingLong(m -> pack(m.getId())));
        for (final StreamMessage<String, byte[]> m : pending)
        {
            if (m.getBody() == null || m.getBody().isEmpty())
            {
                continue; // deleted (trimmed) since
            }
            if (pack(m.getId()) > pack(owned.get(shard)))
            {
                handle(shard, m);
                owned.put(shard, m.getId());
            }
            toAck.computeIfAbsent(shard, k -> new ArrayList<>()).add(m.getId());
        }
        LOG.info("took {} (stored position {}, {} pending taken over)", key, stored, pending.size());
    }

    /** New entries of a shard we own; returns how many. */
    private int readNew(final int shard) throws SQLException
    {
        final String key = RedisBus.key(prefix, shard);
        final List<StreamMessage<String, byte[]>> messages = redis.xreadgroup(Consumer.from(group, me), XReadArgs.Builder.count(PAGE),
            XReadArgs.StreamOffset.lastConsumed(key));
        for (final StreamMessage<String, byte[]> m : messages)
        {
            if (pack(m.getId()) > pack(owned.get(shard)))
            {
                handle(shard, m);
                owned.put(shard, m.getId());
            }
            toAck.computeIfAbsent(shard, k -> new ArrayList<>()).add(m.getId());
            if (core.due(System.nanoTime()))
            {
                commit();
            }
        }
        if (!messages.isEmpty() || !lag.containsKey(shard))
        {
            lag.put(shard, (long)redis.xrange(key, Range.create("(" + owned.get(shard), "+"), Limit.from(10_001)).size());
        }
        return messages.size();
    }

    private void handle(final int shard, final StreamMessage<String, byte[]> m) throws SQLException
    {
        final long position = pack(m.getId());
        consumed.increment();
        try
        {
            final BusRecordParser.Kind kind = parser.parse(m.getBody(), message, controlRecord);
            if (kind == BusRecordParser.Kind.TICK)
            {
                core.tick(shard, position, m.getId(), message);
            }
            else
            {
                core.control(shard, position, m.getId(), kind, controlRecord);
            }
        }
        catch (final BusRecordParser.PoisonException e)
        {
            core.skipped(shard, position, m.getId());
            if (core.writes(shard, position))
            {
                dead.increment();
                LOG.warn("{} entry {}: {}; sent to {}:dead-letter", RedisBus.key(prefix, shard), m.getId(), e.getMessage(), prefix);
                final Map<String, byte[]> letter = new HashMap<>(m.getBody());
                letter.put("source_key", RedisBus.key(prefix, shard).getBytes(StandardCharsets.UTF_8));
                letter.put("source_id", m.getId().getBytes(StandardCharsets.UTF_8));
                letter.put("error", e.getMessage().getBytes(StandardCharsets.UTF_8));
                redis.xadd(prefix + ":dead-letter", letter);
            }
        }
    }

    private void commit() throws SQLException
    {
        core.commit();
        for (final Map.Entry<Integer, List<String>> e : toAck.entrySet())
        {
            if (!e.getValue().isEmpty())
            {
                redis.xack(RedisBus.key(prefix, e.getKey()), group, e.getValue().toArray(String[]::new));
            }
        }
        toAck.clear();
    }

    /** A stream id {@code ms-seq} as one comparable number (seq below 2^20, ms below 2^43: until the year 2248). */
    static long pack(final String id)
    {
        final int dash = id.indexOf('-');
        final long ms = Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        final long seq = dash < 0 ? 0 : Long.parseLong(id.substring(dash + 1));
        return ms << 20 | Math.min(seq, (1 << 20) - 1);
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException e)
        {
            Thread.currentThread().interrupt();
        }
    }

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

    @Override
    public void stop()
    {
        stopped = true;
    }

    @Override
    public void close()
    {
        try
        {
            connection.close();
            control.close();
        }
        finally
        {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            core.close();
        }
    }

    /** The URL this member reads (for logs). */
    public String url()
    {
        return url;
    }

    static BusUnavailableException unavailable(final String url, final Exception e)
    {
        return new BusUnavailableException("redis bus at " + url + ": " + e.getMessage(), e);
    }
}
