package io.tickreplay.adapters.bus;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.BarStage;
import io.tickreplay.engine.signals.SignalCalculator;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.tick.Tick;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a bus consumer does with the messages of the partitions (Kafka) or stream shards (Redis) it
 * owns, whichever bus they come from: the seed's SignalConsumer ({@code signals}: the engine's own
 * calculator stage per replay run, with its no-partial-bars rule, into {@code signals}),
 * MicroBatcher ({@code bars}: the engine's bar stage into {@code bars_ohlcv}) or TickConsumer
 * ({@code ticks}: live ticks into {@code tick_data}).
 *
 * <p>Each row once, whatever dies: the rows a batch of messages produced and the position after the
 * batch, per partition, are written in ONE transaction ({@code bus_offsets}), and a consumer that is
 * given a partition reads it again from its beginning, computing silently (state only, no rows) up to
 * the stored position, then writes from there. The signals are deterministic, so the rows after the
 * stored position are those the previous owner would have written: after any number of consumers,
 * kills and rebalances the tables equal those of one consumer that never stopped. A row belongs to the
 * message whose arrival produced it (a held value released by the next timestamp, a bar completed by
 * the next interval's tick), and is written iff that message is at or after the stored position.
 *
 * <p>A run's state lives from its {@code replay_start} (which carries the window, so that only whole
 * bars are written, as the replay itself does) to its {@code replay_end}. Live ticks (no run) form a
 * state that never ends. One thread (the consumer loop's).
 */
public final class ConsumerCore implements AutoCloseable
{
    /** What a consumer writes. */
    public enum Role
    {
        SIGNALS, TICKS, BARS;

        public static Role parse(final String name)
        {
            for (final Role r : values())
            {
                if (r.name().equalsIgnoreCase(name))
                {
                    return r;
                }
            }
            throw new IllegalArgumentException("--role must be signals, ticks or bars, was '" + name + "'");
        }
    }

    /** Told of each commit: rows per signal name (or "bars", "ticks") and the time it took; on the consumer's thread. */
    public interface Listener
    {
        Listener NONE = new Listener()
        {
        };

        default void committed(final String name, final long rows)
        {
        }

        default void commitNanos(final long nanos)
        {
        }
    }

    /** The batch rules (the seed's 200 rows / 5 s, bigger in a burst: at least 50 ms of rows). */
    public record Batching(int rows, long millis)
    {
        public static Batching seed()
        {
            return new Batching(200, 5000);
        }
    }

    private static final long MIN_COMMIT_NANOS = 50_000_000L;
    private static final int MAX_ROWS = 50_000;
    private static final int MAX_BYTES = 8 << 20;
    private static final int LATE_SEQ_BASE = 1_000_000_000;

    private final Role role;
    private final ConsumerStore store;
    private final String group;
    private final String topic;
    private final List<String> signalNames;
    private final int maxSymbols;
    private final Batching batching;
    private final Listener listener;
    /** Dense ids of the (provider, symbol) keys seen, provider first: the same symbol of two providers is two keys, as in a replay. */
    private final Map<String, Map<String, Integer>> symbolIds = new HashMap<>();
    private final List<byte[]> symbolNames = new ArrayList<>();
    private final List<byte[]> symbolProviders = new ArrayList<>();
    private int symbolCount;
    private final Map<String, byte[]> providers = new HashMap<>();
    private final Map<Integer, PartitionState> partitions = new HashMap<>();
    private final Map<Integer, String> positions = new LinkedHashMap<>();
    private final Map<String, Long> pendingByName = new HashMap<>();
    private final TickEvent event = new TickEvent();
    private final Tick tick = new Tick();
    private final Map<String, long[]> liveSeq = new HashMap<>();
    private boolean inBatch;
    private int rows;
    private long batchStart;
    private PartitionState current;
    private long currentPosition;
    private long duplicates;
    private boolean commitNow;

    /**
     * @param signals names as {@link SignalSet#of} takes them; the ids the store is given index
     *                {@code SignalSet.of(signals, 1).calculators()}
     */
    public ConsumerCore(final Role role, final List<String> signals, final ConsumerStore store, final String group, final String topic,
        final int maxSymbols, final Batching batching, final Listener listener)
    {
        this.role = role;
        this.store = store;
        this.group = group;
        this.topic = topic;
        this.signalNames = SignalSet.of(signals, 1).calculators().stream().map(SignalCalculator::name).toList();
        this.maxSymbols = maxSymbols;
        this.batching = batching;
        this.listener = listener;
    }

    public Role role()
    {
        return role;
    }

    /** The stored positions of this group on the topic, by partition (empty for a new group). */
    public Map<Integer, String> storedPositions() throws SQLException
    {
        return store.storedPositions(group, topic);
    }

    /** A partition is ours: its state starts empty; messages before {@code writeFrom} rebuild it without writing. */
    public void assigned(final int partition, final long writeFrom)
    {
        partitions.put(partition, new PartitionState(writeFrom));
    }

    /** A partition is no longer ours (commit first): its state goes. */
    public void revoked(final int partition)
    {
        partitions.remove(partition);
        positions.remove(partition);
    }

    /** True when what {@code position} of {@code partition} produces is written (it is at or after the stored position). */
    public boolean writes(final int partition, final long position)
    {
        final PartitionState st = partitions.get(partition);
        return st != null && position >= st.writeFrom;
    }

    public boolean owns(final int partition)
    {
        return partitions.containsKey(partition);
    }

    /** Drops everything not committed (a partition was lost): the caller re-assigns and reads again from the stored positions. */
    public void abandon()
    {
        resetBatch();
        partitions.clear();
        positions.clear();
    }

    /**
     * A tick at {@code position} of {@code partition}; {@code next} is what to store once it is
     * committed (Kafka: the next offset; Redis: this entry's id).
     */
    public void tick(final int partition, final long position, final String next, final BusMessage m) throws SQLException
    {
        final PartitionState st = enter(partition, position, next);
        if (role == Role.TICKS)
        {
            if (m.origin == BusMessage.ORIGIN_LIVE && writing())
            {
                liveTick(m);
            }
            return;
        }
        final RunState run = st.run(m.origin == BusMessage.ORIGIN_REPLAY ? m.replayRunId : 0, Long.MIN_VALUE, Long.MAX_VALUE);
        if (m.runSeq > 0)
        {
            if (m.runSeq <= run.lastRunSeq)
            {
                // a tick this partition already holds, published again by the run's resume: folded in once
                duplicates++;
                return;
            }
            run.lastRunSeq = m.runSeq;
        }
        event.copyFrom(m, symbolId(m.provider, m.symbol), run.ticks++);
        run.onEvent(event);
    }

    /** A control record: a run's window begins its state, its end finishes it (open bars completed as the replay does). */
    public void control(final int partition, final long position, final String next, final BusRecordParser.Kind kind,
        final BusRecordParser.Control c) throws SQLException
    {
        final PartitionState st = enter(partition, position, next);
        if (role == Role.TICKS)
        {
            return;
        }
        if (kind == BusRecordParser.Kind.START)
        {
            // a resumed run starts again on the bus: its state so far stays, what it publishes again is recognised by run_seq
            st.runs.computeIfAbsent(c.runId, id -> new RunState(id, c.windowStart, c.windowEnd));
            return;
        }
        final RunState run = st.runs.get(c.runId);
        if (run == null)
        {
            return;
        }
        if (c.complete)
        {
            st.runs.remove(c.runId);
            event.end(run.ticks, true);
            run.onEvent(event);
            return;
        }
        // a run that ended incomplete (cancelled, failed, killed) may be resumed: its state stays as it is, to go on
        // with the resumed run's records, as the replay's own state goes on from its checkpoint. What the replay wrote at
        // its end (each signal's held last value) is written now, in a batch of its own, so that the resumed run's
        // value for the same key lands in a later one (the stored row then is the resumed run's, as in the table).
        if (run.chain != null)
        {
            run.chain.releaseAll();
            commitNow = true;
        }
    }

    /** A message that could not be read (sent to the dead letters): only its position moves on. */
    public void skipped(final int partition, final long position, final String next)
    {
        enter(partition, position, next);
    }

    private PartitionState enter(final int partition, final long position, final String next)
    {
        final PartitionState st = partitions.get(partition);
        if (st == null)
        {
            throw new IllegalStateException("partition " + partition + " of " + topic + " is not assigned to this consumer");
        }
        current = st;
        currentPosition = position;
        if (position >= st.writeFrom)
        {
            positions.put(partition, next);
        }
        return st;
    }

    private boolean writing()
    {
        return currentPosition >= current.writeFrom;
    }

    /** The dense id of the record's (provider, symbol): state and rows are kept by both, from each record, as the replay keeps them. */
    private int symbolId(final String provider, final String symbol)
    {
        final Map<String, Integer> ofProvider = symbolIds.computeIfAbsent(provider == null ? "" : provider, p -> new HashMap<>());
        Integer id = ofProvider.get(symbol);
        if (id == null)
        {
            if (symbolCount >= maxSymbols)
            {
                throw new IllegalStateException("more than " + maxSymbols + " symbols on " + topic + " (consume --max-symbols)");
            }
            id = symbolCount++;
            ofProvider.put(symbol, id);
            symbolNames.add(symbol.getBytes(StandardCharsets.UTF_8));
            symbolProviders.add(provider(provider == null ? "" : provider));
        }
        return id;
    }

    private byte[] provider(final String provider)
    {
        return providers.computeIfAbsent(provider, p -> p.getBytes(StandardCharsets.UTF_8));
    }

    /** Ticks read again from a resumed run's re-publication and not folded in a second time. */
    public long duplicates()
    {
        return duplicates;
    }

    /** Rows in the open batch. */
    public int rows()
    {
        return rows;
    }

    /** True when the open batch should be committed now (rows and age, or size). */
    public boolean due(final long nowNanos)
    {
        if (!inBatch && positions.isEmpty())
        {
            return false;
        }
        if (commitNow)
        {
            return true;
        }
        final long age = nowNanos - batchStart;
        return rows >= batching.rows() && age >= MIN_COMMIT_NANOS || age >= batching.millis() * 1_000_000L || rows >= MAX_ROWS ||
            store.pendingBytes() >= MAX_BYTES;
    }

    private void beginBatch()
    {
        if (!inBatch)
        {
            inBatch = true;
            batchStart = System.nanoTime();
        }
    }

    /** Writes the batch's rows and every moved position in one transaction. */
    public void commit() throws SQLException
    {
        if (!inBatch && positions.isEmpty())
        {
            return;
        }
        final long t0 = System.nanoTime();
        store.commit(group, topic, positions);
        listener.commitNanos(System.nanoTime() - t0);
        pendingByName.forEach(listener::committed);
        resetBatch();
        positions.clear();
        commitNow = false;
    }

    private void resetBatch()
    {
        store.discard();
        inBatch = false;
        rows = 0;
        pendingByName.clear();
    }

    private void counted(final String name)
    {
        rows++;
        pendingByName.merge(name, 1L, Long::sum);
    }

    private void liveTick(final BusMessage m) throws SQLException
    {
        beginBatch();
        m.toTick(tick);
        final long[] s = liveSeq.computeIfAbsent(m.provider + '\u0000' + m.symbol, k -> new long[] {Long.MIN_VALUE, 0, 0});
        if (m.tsMicros == s[0])
        {
            tick.seq = (int)++s[1];
        }
        else if (m.tsMicros > s[0])
        {
            s[0] = m.tsMicros;
            s[1] = 0;
            tick.seq = 0;
        }
        else
        {
            tick.seq = (int)(LATE_SEQ_BASE + s[2]++);
        }
        store.tick(provider(m.provider), m.symbol.getBytes(StandardCharsets.UTF_8), tick);
        counted("ticks");
    }

    @Override
    public void close()
    {
        resetBatch();
        store.close();
    }

    /** What a consumer keeps of one partition: where writing starts, and the state of each run in it. */
    private final class PartitionState
    {
        final long writeFrom;
        final Map<Long, RunState> runs = new HashMap<>();

        PartitionState(final long writeFrom)
        {
            this.writeFrom = writeFrom;
        }

        RunState run(final long runId, final long start, final long end)
        {
            RunState run = runs.get(runId);
            if (run == null)
            {
                run = new RunState(runId, start, end);
                runs.put(runId, run);
            }
            return run;
        }
    }

    /** One replay run (or the live stream) within a partition: the engine's own stage, writing into the batch. */
    private final class RunState
    {
        final EventHandler<TickEvent> stage;
        /** The signals role's chain (null for bars): a run that ends incomplete releases its held values. */
        SignalChain chain;
        long ticks;
        /** The highest run_seq folded in: a resumed run's records at or below it are those the partition already had. */
        long lastRunSeq;

        RunState(final long runId, final long start, final long end)
        {
            if (role == Role.SIGNALS)
            {
                final SignalSink out = new SignalSink()
                {
                    @Override
                    public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
                        final double m2, final double m3)
                    {
                        if (writing())
                        {
                            try
                            {
                                beginBatch();
                                store.signal(symbolProviders.get(symbolId), symbolNames.get(symbolId), signalId, ts, value, m1, m2, m3, runId);
                                counted(signalNames.get(signalId));
                            }
                            catch (final SQLException e)
                            {
                                throw new IllegalStateException(e.getMessage(), e);
                            }
                        }
                    }

                    @Override
                    public void endOfBatch()
                    {
                    }

                    @Override
                    public void endOfStream()
                    {
                    }
                };
                chain = SignalChain.context().signals(signalNames).symbols(maxSymbols).window(start, end).sink(out).build();
                stage = new SignalShardStage(0, 1, chain, CheckpointBarrier.NONE);
            }
            else
            {
                stage = new BarStage(maxSymbols, start, end, new BarSink()
                {
                    @Override
                    public void bar(final int symbolId, final long interval, final long barStart, final double open, final double high,
                        final double low, final double close, final double volume, final long trades, final double vwap)
                    {
                        if (writing())
                        {
                            try
                            {
                                beginBatch();
                                store.bar(symbolProviders.get(symbolId), symbolNames.get(symbolId), interval, barStart, open, high, low, close, volume, trades, vwap, runId);
                                counted("bars");
                            }
                            catch (final SQLException e)
                            {
                                throw new IllegalStateException(e.getMessage(), e);
                            }
                        }
                    }

                    @Override
                    public void endOfBatch()
                    {
                    }

                    @Override
                    public void endOfStream()
                    {
                    }
                });
            }
        }

        void onEvent(final TickEvent e) throws SQLException
        {
            try
            {
                stage.onEvent(e, 0, false);
            }
            catch (final IllegalStateException ex)
            {
                if (ex.getCause() instanceof SQLException sql)
                {
                    throw sql;
                }
                throw ex;
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex.getMessage(), ex);
            }
        }
    }

    /** The label of a role in metrics and logs. */
    public static String label(final Role role)
    {
        return role.name().toLowerCase(Locale.ROOT);
    }
}
