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
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.PacingStage;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.ReplayOutcome;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayProgress;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.replay.TickEvent;
import io.tickreplay.engine.replay.TickJournal;
import io.tickreplay.engine.replay.WaitStrategies;
import io.tickreplay.engine.signals.BarRing;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.BarStage;
import io.tickreplay.engine.signals.SignalChain;
import io.tickreplay.engine.signals.SignalRing;
import io.tickreplay.engine.signals.SignalSet;
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
    private final List<SignalRing> signalRings = new ArrayList<>();
    private final List<WriterRing<?>> writerRings = new ArrayList<>();
    private final Guarded pace;
    private final Guarded publish;
    private final List<Guarded> stages = new ArrayList<>();
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
        this.pacer = new PacingStage(control, ctx.clock);
        this.progress = new ReplayProgress(ctx.symbols.size());
        this.publisher = new BusPublishStage(ctx.bus, ctx.provider, ctx.runId, ctx.symbols, progress, ctx.windowStart, ctx.windowEnd);
        if (ctx.resumeFrom != null)
        {
            publisher.restore(ctx.resumeFrom);
        }
        final int shardCount = ctx.signals.isEmpty() ? 0 : ctx.signalSinks.size();
        this.checkpoints = new CheckpointBarrier((ctx.journal == null ? 0 : 1) + shardCount + (ctx.barSink == null ? 0 : 1), ctx.checkpointListener);
        control.onSeek(ctx.source::seek);
        control.onCancel(ctx.source::cancel);
        this.pace = new Guarded("pacer", pacer, false, 0, -1);
        this.publish = new Guarded("bus-publisher", publisher, true, 0, -1);
        final boolean rings = ctx.mode != ThreadingMode.INVOKER;

        final List<Guarded> composed = new ArrayList<>(); // on the pacer's thread in SHARED mode
        Guarded journalStage = null;
        if (ctx.journal != null)
        {
            journalStage = new Guarded("journal", new JournalStage(ctx.journal, emitFrom == ctx.windowStart ? Long.MIN_VALUE : emitFrom, checkpoints),
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
                .emitFrom(emitFrom).timings(ctx.timings).sink(out).build();
            final SignalShardStage shard = new SignalShardStage(k, shards, chain, checkpoints);
            final Guarded g = new Guarded("signals-" + k, shard, true, shards - 1, k);
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
            final Guarded g = new Guarded("bars", new BarStage(ctx.symbols.size(), ctx.windowStart, ctx.windowEnd, out, checkpoints), true, 0, 0);
            stages.add(g);
            composed.add(g);
        }
        for (final Tap tap : ctx.taps)
        {
            final Guarded g = new Guarded(tap.name(), tap.handler(), true, 0, 0);
            stages.add(g);
            composed.add(g);
        }
        this.ended = new CountDownLatch(stages.size() + 1);

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
        processors.add(emitter);
        processorThreads.add(ctx.threadName + (shared ? "-shared" : "-pacer"));
        final List<Sequence> gating = new ArrayList<>();
        gating.add(emitter.getSequence());
        for (final Guarded stage : stages)
        {
            if (shared && stage != journalStage)
            {
                continue;
            }
            final BatchEventProcessor<TickEvent> p = builder.build(ticks, ticks.newBarrier(emitter.getSequence()), stage);
            processors.add(p);
            processorThreads.add(ctx.threadName + "-" + stage.name);
            gating.add(p.getSequence());
        }
        ticks.addGatingSequences(gating.toArray(Sequence[]::new));
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
                    for (final Guarded stage : stages)
                    {
                        stage.onEvent(event, sequence, endOfBatch);
                    }
                    sequence++;
                }
            }
        }
        catch (final Throwable t)
        {
            outcome.fail("source", t);
        }
        finally
        {
            closeSource();
        }
        event.end(index, exhausted && !control.cancelled() && outcome.error() == null);
        pace.onEvent(event, sequence, true);
        publish.onEvent(event, sequence, true);
        for (final Guarded stage : stages)
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
        final TickBatch batch = new TickBatch(ctx.batchSize);
        final int maxClaim = Math.max(1, ctx.ticksRingSize / 4);
        long index = 0;
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
            outcome.fail("source", t);
        }
        finally
        {
            try
            {
                closeSource();
            }
            catch (final RuntimeException e)
            {
                outcome.fail("source", e);
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
            outcome.finish(control.cancelled(), publisher.checksum(), publisher.firstTsMicros(), publisher.lastTsMicros(),
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
        private final Guarded[] composed;
        private Sequence progressSequence;

        Emitter(final List<Guarded> composed)
        {
            this.composed = composed.toArray(Guarded[]::new);
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
            for (final Guarded stage : composed)
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

    /** Runs a stage, turning its exceptions into the run's failure, and counts {@code END}s. */
    private final class Guarded implements EventHandler<TickEvent>
    {
        private final String name;
        private final EventHandler<TickEvent> delegate;
        private final boolean countsEnd;
        private final boolean timed;
        private final int ownerMask;
        private final int owner;
        private boolean failed;
        private int sampled;

        /** {@code owner} -1: never timed; else timed on ticks with {@code (symbolId & ownerMask) == owner}. */
        Guarded(final String name, final EventHandler<TickEvent> delegate, final boolean countsEnd, final int ownerMask, final int owner)
        {
            this.name = name;
            this.delegate = delegate;
            this.countsEnd = countsEnd;
            this.ownerMask = ownerMask;
            this.owner = owner;
            this.timed = owner >= 0 && ctx.stageLatency != StageLatency.NONE;
        }

        @Override
        public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
        {
            try
            {
                if (!failed)
                {
                    delegate.onEvent(event, sequence, endOfBatch);
                    if (timed && event.type == TickEvent.TICK && !event.skipped && (event.symbolId & ownerMask) == owner &&
                        (sampled++ & ctx.latencySampleMask) == 0)
                    {
                        ctx.stageLatency.record(name, ctx.clock.nanoTime() - event.emitNanos);
                    }
                }
            }
            catch (final Throwable t)
            {
                failed = true;
                outcome.fail(name, t);
                control.cancel();
            }
            finally
            {
                if (event.type == TickEvent.END && countsEnd)
                {
                    ended.countDown();
                }
            }
        }
    }

    /** An extra stage after the pacer that sees every event (tests, benchmark probes); it counts as a stage of the run. */
    public record Tap(String name, EventHandler<TickEvent> handler)
    {
    }

    /**
     * Everything a replay's topology is built from: fluent setters, checked and completed by
     * {@link #conclude()} (Aeron's {@code MediaDriver.Context}).
     */
    public static final class Context
    {
        private TickBatchSource source;
        private SymbolTable symbols;
        private String provider = "";
        private long runId;
        private double speed;
        private long windowStart = Long.MIN_VALUE;
        private long windowEnd = Long.MAX_VALUE;
        private TickBus bus;
        private TickJournal journal;
        private List<String> signals = List.of();
        private List<SignalSink> signalSinks = List.of();
        private BarSink barSink;
        private final List<Tap> taps = new ArrayList<>();
        private ThreadingMode mode;
        private int ticksRingSize = 1 << 16;
        private int signalsRingSize = 1 << 14;
        private int barsRingSize = 1 << 10;
        private int batchSize = 8192;
        private String waitStrategy = "backoff";
        private NanoClock clock = NanoClock.SYSTEM;
        private String threadName = "replay";
        private int cores = Runtime.getRuntime().availableProcessors();
        private StageLatency stageLatency = StageLatency.NONE;
        private int latencySampleMask = 63;
        private SignalSet.Timings timings = SignalSet.Timings.NONE;
        private CheckpointBarrier.Listener checkpointListener = CheckpointBarrier.Listener.NONE;
        private long checkpointIntervalNanos;
        private ReplayCheckpoint resumeFrom;
        private boolean concluded;
        private int threadCount;

        /** Where the ticks come from, and the run's symbols (ids in the source's batches). */
        public Context source(final TickBatchSource source, final SymbolTable symbols)
        {
            this.source = source;
            this.symbols = symbols;
            return this;
        }

        /** What the bus messages carry: provider and {@code replay_run_id}. */
        public Context run(final String provider, final long runId)
        {
            this.provider = provider;
            this.runId = runId;
            return this;
        }

        /** 1 = the original pace, N = N times faster, 0 = burst. */
        public Context speed(final double speed)
        {
            this.speed = speed;
            return this;
        }

        /**
         * The window {@code [startMicros, endMicros)} the run emits: ticks before the start are warm-up
         * (they update signal state, nothing else), and bars are written only inside the window.
         */
        public Context window(final long startMicros, final long endMicros)
        {
            this.windowStart = startMicros;
            this.windowEnd = endMicros;
            return this;
        }

        public Context bus(final TickBus bus)
        {
            this.bus = bus;
            return this;
        }

        /** Journal every emitted tick (and the warm-up) here; null for none. The caller closes it. */
        public Context journal(final TickJournal journal)
        {
            this.journal = journal;
            return this;
        }

        /**
         * The signals to compute ({@code all}, {@code none} or names) and one sink per calculator shard:
         * the number of sinks is the number of shards (a power of two). {@link SignalSink#DISCARD}
         * computes and keeps nothing, with no ring and no writer thread.
         */
        public Context signals(final List<String> names, final List<SignalSink> sinks)
        {
            this.signals = SignalSet.of(names, 1).calculators().stream().map(c -> c.name()).toList();
            this.signalSinks = List.copyOf(sinks);
            return this;
        }

        /** Where completed bars go; null for no bars. */
        public Context bars(final BarSink sink)
        {
            this.barSink = sink;
            return this;
        }

        /**
         * Take a checkpoint every {@code intervalNanos} of the run's clock (0: none) and hand each one every
         * writer has committed to {@code listener}, on the last writer's thread.
         */
        public Context checkpoints(final CheckpointBarrier.Listener listener, final long intervalNanos)
        {
            this.checkpointListener = listener;
            this.checkpointIntervalNanos = intervalNanos;
            return this;
        }

        /**
         * Go on from a checkpoint of an earlier run of the same window: ticks up to it are read as warm-up
         * (state, not emitted, not journaled), emission starts after it, the checksum continues from it.
         */
        public Context resumeFrom(final ReplayCheckpoint checkpoint)
        {
            this.resumeFrom = checkpoint;
            return this;
        }

        public Context tap(final Tap tap)
        {
            this.taps.add(tap);
            return this;
        }

        /** null: DEDICATED when the machine has a core for each of its threads, else SHARED. */
        public Context threadingMode(final ThreadingMode mode)
        {
            this.mode = mode;
            return this;
        }

        public Context ticksRingSize(final int size)
        {
            this.ticksRingSize = size;
            return this;
        }

        public Context signalsRingSize(final int size)
        {
            this.signalsRingSize = size;
            return this;
        }

        public Context barsRingSize(final int size)
        {
            this.barsRingSize = size;
            return this;
        }

        /** Ticks per batch from the source into the ticks ring. */
        public Context batchSize(final int batchSize)
        {
            this.batchSize = batchSize;
            return this;
        }

        public Context waitStrategy(final String waitStrategy)
        {
            this.waitStrategy = waitStrategy;
            return this;
        }

        public Context clock(final NanoClock clock)
        {
            this.clock = clock;
            return this;
        }

        public Context threadName(final String threadName)
        {
            this.threadName = threadName;
            return this;
        }

        /** The cores the threads share (the JVM's by default). */
        public Context cores(final int cores)
        {
            this.cores = cores;
            return this;
        }

        public Context stageLatency(final StageLatency listener)
        {
            this.stageLatency = listener;
            return this;
        }

        /** Time one tick in {@code mask + 1} per stage (a power of two minus one; 0 times every tick). */
        public Context latencySampleMask(final int mask)
        {
            this.latencySampleMask = mask;
            return this;
        }

        /** Told of sampled calculator compute times (the seed's {@code signals_compute_duration_seconds}). */
        public Context timings(final SignalSet.Timings timings)
        {
            this.timings = timings;
            return this;
        }

        public int batchSize()
        {
            return batchSize;
        }

        public ThreadingMode threadingMode()
        {
            return mode;
        }

        /** The threads the run will start, the source and every writer included (1 in INVOKER: the caller's). */
        public int threadCount()
        {
            return threadCount;
        }

        /**
         * Checks everything and settles the threading mode; the topology calls it, and a caller may call
         * it first to validate settings (a source, symbols and a bus are then not required).
         */
        public Context conclude()
        {
            if (concluded)
            {
                return this;
            }
            powerOfTwo("ticks ring size", ticksRingSize, 2);
            powerOfTwo("signals ring size", signalsRingSize, 2);
            powerOfTwo("bars ring size", barsRingSize, 2);
            if (batchSize < 1)
            {
                throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
            }
            final String speedProblem = ReplayControl.speedProblem(speed);
            if (speedProblem != null)
            {
                throw new IllegalArgumentException(speedProblem);
            }
            if (windowStart != Long.MIN_VALUE && windowEnd <= windowStart)
            {
                throw new IllegalArgumentException("the window's end must be after its start");
            }
            if (checkpointIntervalNanos < 0)
            {
                throw new IllegalArgumentException("checkpoint interval must be >= 0 (0: none), was " + checkpointIntervalNanos + " ns");
            }
            if (resumeFrom != null && (resumeFrom.lastTsMicros() < windowStart || resumeFrom.lastTsMicros() >= windowEnd))
            {
                throw new IllegalArgumentException("a checkpoint to resume from must lie inside the window");
            }
            if (latencySampleMask < 0 || Integer.bitCount(latencySampleMask + 1) != 1)
            {
                throw new IllegalArgumentException("latency sample mask must be 2^n - 1, was " + latencySampleMask);
            }
            if (!signals.isEmpty())
            {
                powerOfTwo("signal shards (one sink each)", signalSinks.size(), 1);
            }
            WaitStrategies.of(waitStrategy);
            if (cores < 1)
            {
                throw new IllegalArgumentException("cores must be >= 1, was " + cores);
            }
            final int dedicated = threads(ThreadingMode.DEDICATED);
            if (mode == null)
            {
                mode = dedicated <= cores ? ThreadingMode.DEDICATED : ThreadingMode.SHARED;
            }
            threadCount = threads(mode);
            if (mode != ThreadingMode.INVOKER && WaitStrategies.spins(waitStrategy) && threadCount > cores)
            {
                throw new IllegalArgumentException("wait strategy " + waitStrategy + " keeps a core busy per thread: this replay starts " +
                    threadCount + " threads (" + mode + ", source and writers included) and the machine has " + cores +
                    " cores; use backoff, sleeping or lite-blocking");
            }
            concluded = true;
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

        /** Conclude, and also check that everything a run needs is there. */
        Context concludeForRun()
        {
            conclude();
            if (source == null || symbols == null || bus == null)
            {
                throw new IllegalArgumentException("a replay topology needs a source, its symbols and a bus");
            }
            return this;
        }

        private int threads(final ThreadingMode m)
        {
            if (m == ThreadingMode.INVOKER)
            {
                return 1;
            }
            final int shards = signals.isEmpty() ? 0 : signalSinks.size();
            final int writers = (int)(signals.isEmpty() ? 0 : signalSinks.stream().filter(s -> s != SignalSink.DISCARD).count()) +
                (barSink == null ? 0 : 1);
            final int journalThreads = journal == null ? 0 : 1;
            if (m == ThreadingMode.SHARED)
            {
                return 2 + journalThreads + writers;
            }
            return 2 + journalThreads + shards + (barSink == null ? 0 : 1) + taps.size() + writers;
        }

        private static void powerOfTwo(final String what, final int value, final int min)
        {
            if (value < min || Integer.bitCount(value) != 1)
            {
                throw new IllegalArgumentException(what + " must be a power of two >= " + min + ", was " + value);
            }
        }
    }
}
