package io.tickreplay.engine.topology;

import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.BusPublishStage;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.FullRingBackoff;
import io.tickreplay.engine.replay.JournalStage;
import io.tickreplay.engine.replay.PacingStage;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.replay.TickJournal;
import io.tickreplay.engine.replay.WaitStrategies;
import io.tickreplay.engine.signals.BarRing;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.BarStage;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.signals.SignalShardStage;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.signals.WriterRing;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The whole data path of one replay, wired in this one place: what the api hands it (a source, a bus,
 * an optional journal, a sink per signal shard, an optional bar sink) and nothing it picks itself.
 *
 * <pre>
 *  source --batches--> [ticks ring] --> pacer + bus publisher --> TickBus (in-process, Kafka, Redis)
 *  (database,                             |
 *   journal)                              |--> journal ------------------------------------------> TickJournal
 *                                         |--> signal shard k: SignalChain ---------------------> [signals ring k] --> sink k
 *                                         |--> bar aggregator ------------------------------------> [bars ring] --> bar sink
 *                                         '--> taps (tests, benchmarks)
 * </pre>
 *
 * Every stage after the pacer sees every tick in ring order (a shard keeps its own symbols,
 * {@code (symbolId & (shards - 1)) == k}); the run ends when each of them has seen {@code END} and
 * every writer has written everything, so {@code completed} means the values are durable. A stage's
 * exception fails the run with the stage's name and message and cancels the rest.
 *
 * <p>Checkpoints ({@link Context#checkpoints}): every interval of the emitter's clock, the emitter
 * notes the position the stream has reached (last tick, count, checksum), opens the checkpoint in the
 * run's {@link CheckpointBarrier} and marks the next tick of a later time with it
 * ({@link TickEvent#checkpointBefore}), which the stages after it see in ring order. Before that tick
 * the journal writes its block and acknowledges; each shard
 * releases its held values and passes the marker down its signals ring, whose writer commits and
 * acknowledges; the bar stage does the same through the bars ring. The last acknowledgement hands the
 * checkpoint to the listener. A run given a checkpoint to resume from ({@link Context#resumeFrom})
 * reads its source from before it (warm-up), emits from the tick after it, and continues its checksum.
 *
 * <p>Threads ({@link ThreadingMode}), each waiting with the configured wait strategy:
 * <pre>
 *  thread              DEDICATED                         SHARED                                   waits on
 *  name-source         source -> ticks ring              same                                     free slots of the ticks ring
 *  name-pacer          pacer + bus publisher             -                                        the ticks ring's cursor
 *  name-shared         -                                 pacer, publisher, shards, bars, taps      the ticks ring's cursor
 *  name-journal        journal                           journal                                  the pacer's (shared) sequence
 *  name-signals-k      shard k                           -                                        the pacer's sequence; ring k's free slots
 *  name-bars           bar aggregator                    -                                        the pacer's sequence
 *  name-writer-k       signals ring k -> sink k          same                                     ring k's cursor
 *  name-bars-writer    bars ring -> bar sink             same                                     the bars ring's cursor
 * </pre>
 * {@code INVOKER} runs all of it on the caller's thread, batch by batch, with no rings after the
 * ticks (a sink is called directly): with a {@link io.tickreplay.engine.replay.ManualNanoClock} a
 * run is fully deterministic. Every mode gives the same stream and the same signal rows.
 *
 * <p>Construct, then {@link #start()}: no constructor starts a thread. {@link #close()} stops and
 * joins whatever was started and closes the source, whether or not the run began.
 */
public final class ReplayTopology implements AutoCloseable
{
    /** How stages map to threads (Aeron's ThreadingMode). */
    public enum ThreadingMode
    {
        /** A thread per stage: the least latency when there is a core per thread. */
        DEDICATED,
        /** Pacer, publisher, calculator shards and bars composed on one thread; source, journal and writers on their own. */
        SHARED,
        /** Everything on the caller's thread (tests, deterministic runs). */
        INVOKER;

        /** By name, case-insensitively; {@code auto} is null (the topology chooses from the cores). */
        public static ThreadingMode parse(final String name)
        {
            final String n = name.toLowerCase(Locale.ROOT);
            if (n.equals("auto"))
            {
                return null;
            }
            for (final ThreadingMode mode : values())
            {
                if (mode.name().toLowerCase(Locale.ROOT).equals(n))
                {
                    return mode;
                }
            }
            throw new IllegalArgumentException("threading mode must be auto, dedicated, shared or invoker, was '" + name + "'");
        }
    }

    /**
     * Told, for one emitted tick in {@link Context#latencySampleMask(int)} + 1 per stage, how long after its
     * emission a stage after the pacer had handled it (waiting in the ring plus the stage's own work),
     * on the stage's thread. A shard is timed on its own symbols' ticks only.
     */
    @FunctionalInterface
    public interface StageLatency
    {
        StageLatency NONE = (stage, nanos) -> { };

        void record(String stage, long nanos);
    }

    private final Context ctx;
    private final ReplayControl control;
    private final PacingStage pacer;
    private final BusPublishStage publisher;
    private final ReplayProgress progress;
    private final ReplayOutcome outcome = new ReplayOutcome();
    private final RunErrors errors;
    private final List<SignalRing> signalRings = new ArrayList<>();
    private final List<WriterRing<?>> writerRings = new ArrayList<>();
    private final GuardedStage pace;
    private final GuardedStage publish;
    private final List<GuardedStage> stages = new ArrayList<>();
    private final CountDownLatch ended;
    private final CheckpointBarrier checkpoints;
    private boolean lastTickEmitted;
    // the emitter's checkpoint clock: when the last tick went out (the pacer's reading; in burst its publish time)
    private long emitterNanos;
    private long nextCheckpointNanos;
    private long checkpointId;
    private long lastTs = Long.MIN_VALUE;
    private final AtomicBoolean sourceClosed = new AtomicBoolean();
    private final RingBuffer<TickEvent> ticks;
    private final List<BatchEventProcessor<TickEvent>> processors = new ArrayList<>();
    private final List<String> processorThreads = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean finished;
    private long startNanos;

    /** Builds every stage, ring and processor of the run; starts nothing. */
    public ReplayTopology(final Context context)
    {
        this.ctx = context.concludeForRun();
        final long emitFrom = ctx.resumeFrom == null ? ctx.windowStart : ctx.resumeFrom.resumeFromMicros();
        this.control = new ReplayControl(ctx.speed, emitFrom);
        this.errors = new RunErrors(outcome, control, ctx.errorListener);
        this.pacer = new PacingStage(control, ctx.clock, ctx.maxGapMicros);
        this.progress = new ReplayProgress(ctx.symbols.size());
        final int shardCount = ctx.signals.isEmpty() ? 0 : ctx.signalSinks.size();
        // every stage that makes something durable acknowledges a checkpoint: the bus publisher, the journal, the shards, the bars
        this.checkpoints = new CheckpointBarrier(1 + (ctx.journal == null ? 0 : 1) + shardCount + (ctx.barSink == null ? 0 : 1), ctx.checkpointListener);
        this.publisher = new BusPublishStage(ctx.bus, ctx.provider, ctx.runId, ctx.symbols, progress, ctx.windowStart, ctx.windowEnd, checkpoints);
        if (ctx.resumeFrom != null)
        {
            publisher.restore(ctx.resumeFrom);
        }
        control.onSeek(ctx.source::seek);
        control.onCancel(ctx.source::cancel);
        // every stage that counts END down: the journal, the shards, the bars, the taps and the publisher
        this.ended = new CountDownLatch((ctx.journal == null ? 0 : 1) + shardCount + (ctx.barSink == null ? 0 : 1) + ctx.taps.size() + 1);
        this.pace = guard("pacer", pacer, false, 0, -1);
        this.publish = guard("bus-publisher", publisher, true, 0, -1);
        final boolean rings = ctx.mode != ThreadingMode.INVOKER;

        final List<GuardedStage> composed = new ArrayList<>(); // on the pacer's thread in SHARED mode
        GuardedStage journalStage = null;
        if (ctx.journal != null)
        {
            journalStage = guard("journal", new JournalStage(ctx.journal, emitFrom == ctx.windowStart ? Long.MIN_VALUE : emitFrom, checkpoints),
                true, 0, 0);
            stages.add(journalStage);
        }
        final int shards = ctx.signals.isEmpty() ? 0 : ctx.signalSinks.size();
        for (int k = 0; k < shards; k++)
        {
            SignalSink out = ctx.signalSinks.get(k);
            if (rings && out != SignalSink.DISCARD)
            {
                // the shard computes on while its writer thread encodes and commits
                final SignalRing ring = new SignalRing(ctx.threadName + "-writer-" + k, ctx.signalsRingSize, ctx.waitStrategy, out);
                signalRings.add(ring);
                writerRings.add(ring);
                out = ring;
            }
            final SignalChain chain = SignalChain.context().signals(ctx.signals).symbols(ctx.symbols.size()).window(ctx.windowStart, ctx.windowEnd)
                .emitFrom(emitFrom).timings(ctx.timings).models(ctx.models).modelOutput(ctx.modelOutput).sink(out).build();
            final SignalShardStage shard = new SignalShardStage(k, shards, chain, checkpoints);
            final GuardedStage g = guard("signals-" + k, shard, true, shards - 1, k);
            stages.add(g);
            composed.add(g);
        }
        if (ctx.barSink != null)
        {
            BarSink out = ctx.barSink;
            if (rings)
            {
                final BarRing ring = new BarRing(ctx.threadName + "-bars-writer", ctx.barsRingSize, ctx.waitStrategy, out);
                writerRings.add(ring);
                out = ring;
            }
            final GuardedStage g = guard("bars", new BarStage(ctx.symbols.size(), ctx.windowStart, ctx.windowEnd, out, checkpoints), true, 0, 0);
            stages.add(g);
            composed.add(g);
        }
        for (final Tap tap : ctx.taps)
        {
            final GuardedStage g = guard(tap.name(), tap.handler(), true, 0, 0);
            stages.add(g);
            composed.add(g);
        }

        if (!rings)
        {
            ticks = null;
            return;
        }
        ticks = RingBuffer.createSingleProducer(TickEvent::new, ctx.ticksRingSize, WaitStrategies.of(ctx.waitStrategy));
        final BatchEventProcessorBuilder builder = new BatchEventProcessorBuilder();
        final boolean shared = ctx.mode == ThreadingMode.SHARED;
        final BatchEventProcessor<TickEvent> emitter = builder.build(ticks, ticks.newBarrier(),
            new Emitter(shared ? composed : List.of()));
        emitter.setExceptionHandler(new GuardedStage.Escaped(shared ? "shared" : "pacer", errors));
        processors.add(emitter);
        processorThreads.add(ctx.threadName + (shared ? "-shared" : "-pacer"));
        final List<Sequence> gating = new ArrayList<>();
        gating.add(emitter.getSequence());
        for (final GuardedStage stage : stages)
        {
            if (shared && stage != journalStage)
            {
                continue;
            }
            final BatchEventProcessor<TickEvent> p = builder.build(ticks, ticks.newBarrier(emitter.getSequence()), stage);
            p.setExceptionHandler(new GuardedStage.Escaped(stage.name, errors));
            processors.add(p);
            processorThreads.add(ctx.threadName + "-" + stage.name);
            gating.add(p.getSequence());
        }
        ticks.addGatingSequences(gating.toArray(Sequence[]::new));
    }

    /** {@code owner} -1: never timed; else timed on ticks with {@code (symbolId & ownerMask) == owner}. */
    private GuardedStage guard(final String name, final EventHandler<TickEvent> stage, final boolean countsEnd, final int ownerMask, final int owner)
    {
        return new GuardedStage(name, stage, countsEnd, ownerMask, owner, errors, ended, ctx.stageLatency, ctx.latencySampleMask, ctx.clock);
    }

    /** Starts the source, stage and writer threads; returns at once. In {@link ThreadingMode#INVOKER} use {@link #run()}. */
    public synchronized void start()
    {
        if (ctx.mode == ThreadingMode.INVOKER)
        {
            throw new IllegalStateException("an INVOKER topology runs on the caller's thread: call run()");
        }
        if (started)
        {
            throw new IllegalStateException("already started");
        }
        started = true;
        startNanos = ctx.clock.nanoTime();
        startCheckpointClock();
        for (final WriterRing<?> ring : writerRings)
        {
            thread(ring.name(), ring.processor());
        }
        for (int i = 0; i < processors.size(); i++)
        {
            thread(processorThreads.get(i), processors.get(i));
        }
        thread(ctx.threadName + "-source", this::produce);
    }

    private void thread(final String name, final Runnable body)
    {
        final Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Runs the replay to its end: on this thread in {@link ThreadingMode#INVOKER}, else starts it and waits. */
    public ReplayOutcome run() throws InterruptedException
    {
        if (ctx.mode == ThreadingMode.INVOKER)
        {
            return runOnCallingThread();
        }
        start();
        return awaitCompletion(Long.MAX_VALUE, TimeUnit.DAYS);
    }

    /** Waits for a started run to end; returns null if it has not within the timeout. */
    public ReplayOutcome awaitCompletion(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (!ended.await(timeout, unit))
        {
            return null;
        }
        stopThreads();
        finish();
        return outcome;
    }

    private ReplayOutcome runOnCallingThread()
    {
        synchronized (this)
        {
            if (started)
            {
                throw new IllegalStateException("already started");
            }
            started = true;
        }
        final TickEvent event = new TickEvent();
        final TickBatch batch = new TickBatch(ctx.batchSize);
        startNanos = ctx.clock.nanoTime();
        startCheckpointClock();
        long index = 0;
        long sequence = 0;
        boolean exhausted = false;
        try
        {
            while (!control.cancelled())
            {
                batch.clear();
                if (!ctx.source.next(batch))
                {
                    exhausted = true;
                    break;
                }
                for (int i = 0; i < batch.count; i++)
                {
                    event.copyFrom(batch, i, index++);
                    event.publishedNanos = ctx.clock.nanoTime();
                    final boolean endOfBatch = i == batch.count - 1;
                    markCheckpoint(event);
                    pace.onEvent(event, sequence, endOfBatch);
                    publish.onEvent(event, sequence, endOfBatch);
                    emitted(event);
                    for (final GuardedStage stage : stages)
                    {
                        stage.onEvent(event, sequence, endOfBatch);
                    }
                    sequence++;
                }
            }
        }
        catch (final Throwable t)
        {
            errors.onError("source", t);
        }
        finally
        {
            closeSource();
        }
        event.end(index, exhausted && !control.cancelled() && outcome.error() == null);
        pace.onEvent(event, sequence, true);
        publish.onEvent(event, sequence, true);
        for (final GuardedStage stage : stages)
        {
            stage.onEvent(event, sequence, true);
        }
        finish();
        return outcome;
    }

    private void startCheckpointClock()
    {
        emitterNanos = startNanos;
        nextCheckpointNanos = startNanos + ctx.checkpointIntervalNanos;
    }

    /**
     * On the emitter's thread, before the pacer sees a tick: once an interval has passed on the
     * emitter's clock, the first tick of a later time than the tick before carries a checkpoint marker
     * ({@link TickEvent#checkpointBefore}) if the position reached so far can be resumed from: not after
     * a seek (the stream has a gap), a cancel or a failure, nor before the first emitted tick (warm-up),
     * nor while an older checkpoint still waits for its writers. The previous checkpoint stays the last.
     */
    private void markCheckpoint(final TickEvent event)
    {
        event.checkpointBefore = 0;
        if (ctx.checkpointIntervalNanos > 0 && event.tsMicros > lastTs && lastTs != Long.MIN_VALUE && emitterNanos - nextCheckpointNanos >= 0)
        {
            nextCheckpointNanos = emitterNanos + ctx.checkpointIntervalNanos;
            final long id = ++checkpointId;
            if (lastTickEmitted && !control.cancelled() && control.seekTarget() == control.emitFrom() && outcome.error() == null)
            {
                final ReplayCheckpoint position = publisher.position(id);
                if (position != null && checkpoints.open(position))
                {
                    event.checkpointBefore = id;
                }
            }
        }
        lastTs = event.tsMicros;
    }

    /** After the pacer and the publisher have handled a tick. */
    private void emitted(final TickEvent event)
    {
        lastTickEmitted = !event.skipped;
        if (lastTickEmitted)
        {
            emitterNanos = event.emitNanos;
        }
    }

    private void produce()
    {
        final int maxClaim = Math.max(1, ctx.ticksRingSize / 4);
        long index = 0;
        boolean exhausted = false;
        try
        {
            // inside the try: a heap too full for the batch fails the run with its error rather than killing the thread
            final TickBatch batch = new TickBatch(ctx.batchSize);
            while (!control.cancelled())
            {
                batch.clear();
                if (!ctx.source.next(batch))
                {
                    exhausted = true;
                    break;
                }
                int i = 0;
                while (i < batch.count)
                {
                    final int n = Math.min(batch.count - i, maxClaim);
                    final long hi = FullRingBackoff.next(ticks, n, n);
                    final long lo = hi - n + 1;
                    final long now = ctx.clock.nanoTime();
                    for (long s = lo; s <= hi; s++)
                    {
                        final TickEvent event = ticks.get(s);
                        event.copyFrom(batch, i++, index++);
                        event.publishedNanos = now;
                    }
                    ticks.publish(lo, hi);
                }
            }
        }
        catch (final Throwable t)
        {
            errors.onError("source", t);
        }
        finally
        {
            try
            {
                closeSource();
            }
            catch (final RuntimeException e)
            {
                errors.onError("source", e);
            }
            final long s = ticks.next();
            ticks.get(s).end(index, exhausted && !control.cancelled() && outcome.error() == null);
            ticks.publish(s);
        }
    }

    private void closeSource()
    {
        if (sourceClosed.compareAndSet(false, true))
        {
            ctx.source.close();
        }
    }

    private void finish()
    {
        if (!finished)
        {
            finished = true;
            outcome.finish(control.cancelled(), publisher.checksum(), publisher.digests(), publisher.firstTsMicros(), publisher.lastTsMicros(),
                ctx.clock.nanoTime() - startNanos);
        }
    }

    /** Halts every processor and writer that is still waiting, and joins every thread this topology started. */
    private void stopThreads()
    {
        for (final BatchEventProcessor<TickEvent> p : processors)
        {
            if (p.isRunning())
            {
                p.halt();
            }
        }
        writerRings.forEach(WriterRing::close);
        for (final Thread t : threads)
        {
            if (t == Thread.currentThread())
            {
                continue;
            }
            try
            {
                t.join(TimeUnit.SECONDS.toMillis(10));
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Stops a run that is still going (cancels it and waits up to 10 s for its stages to see the end),
     * then halts and joins every thread and closes the source. Safe before {@link #start()}, after the
     * end, and more than once.
     */
    @Override
    public void close()
    {
        if (started && ended.getCount() > 0)
        {
            control.cancel();
            try
            {
                ended.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException e)
            {
                Thread.currentThread().interrupt();
            }
        }
        stopThreads();
        {
            try
            {
                closeSource();
            }
            catch (final RuntimeException ignored)
            {
                // closing on a failure path: the run's own error is the one to report
            }
        }
    }

    public ReplayControl control()
    {
        return control;
    }

    public ReplayProgress progress()
    {
        return progress;
    }

    public PacingStage pacer()
    {
        return pacer;
    }

    public ReplayOutcome outcome()
    {
        return outcome;
    }

    /** The run's error handler: its counts by stage and kind. */
    public RunErrors errors()
    {
        return errors;
    }

    public ThreadingMode threadingMode()
    {
        return ctx.mode;
    }

    /** The threads a run of this topology starts (the caller's alone in INVOKER). */
    public int threadCount()
    {
        return ctx.threadCount();
    }

    /** The signals rings, one per shard whose sink keeps values (none in INVOKER), for metrics. */
    public List<SignalRing> signalRings()
    {
        return List.copyOf(signalRings);
    }

    /** Free slots in the ticks ring (its whole size before the start, and in INVOKER). */
    public long ringRemaining()
    {
        return ticks == null || !started ? ctx.ticksRingSize : ticks.remainingCapacity();
    }

    public int ringSize()
    {
        return ctx.ticksRingSize;
    }

    /**
     * The pacer and the bus publisher (and in SHARED mode every composed stage) on one thread: a tick
     * is published the moment it is due, with no ring hop between deciding and doing.
     */
    private final class Emitter implements EventHandler<TickEvent>
    {
        private final GuardedStage[] composed;
        private Sequence progressSequence;

        Emitter(final List<GuardedStage> composed)
        {
            this.composed = composed.toArray(GuardedStage[]::new);
        }

        @Override
        public void setSequenceCallback(final Sequence sequence)
        {
            progressSequence = sequence;
        }

        @Override
        public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
        {
            if (event.type == TickEvent.TICK)
            {
                markCheckpoint(event);
            }
            pace.onEvent(event, sequence, endOfBatch);
            publish.onEvent(event, sequence, endOfBatch);
            if (event.type == TickEvent.TICK)
            {
                emitted(event);
            }
            for (final GuardedStage stage : composed)
            {
                stage.onEvent(event, sequence, endOfBatch);
            }
            if (event.paced && progressSequence != null)
            {
                // a paced tick is released to the later stages at once, not at the end of the batch the ring handed us
                progressSequence.set(sequence);
            }
        }
    }

    /** An extra stage after the pacer that sees every event (tests, benchmark probes); it counts as a stage of the run. */
    public record Tap(String name, EventHandler<TickEvent> handler)
    {
    }

    /** The settings of one replay's topology ({@link TopologySettings}). */
    public static final class Context extends TopologySettings<Context>
    {
        @Override
        protected Context self()
        {
            return this;
        }

        /** A fresh context with this one's settings (not its source, bus, sinks or taps), for another run; not concluded. */
        public Context copy()
        {
            final Context c = new Context();
            c.speed = speed;
            c.mode = mode;
            c.ticksRingSize = ticksRingSize;
            c.signalsRingSize = signalsRingSize;
            c.barsRingSize = barsRingSize;
            c.batchSize = batchSize;
            c.waitStrategy = waitStrategy;
            c.clock = clock;
            c.threadName = threadName;
            c.cores = cores;
            c.stageLatency = stageLatency;
            c.latencySampleMask = latencySampleMask;
            c.timings = timings;
            c.checkpointIntervalNanos = checkpointIntervalNanos;
            return c;
        }
    }
}
