package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The data path of one replay, wired in one place:
 *
 * <pre>
 *  source thread                 ticks ring (preallocated TickEvent slots)
 *  TickBatchSource --batches--> [ | | | | | | | | ] --> pacer -> bus publisher --> TickBus (in-process ring, Kafka, Redis)
 *  (database, journal)                                     |      (one thread)
 *                                                          +--> journal (Chronicle Queue), when journaling
 *                                                          '--> further stages (signal shards, bar aggregator)
 * </pre>
 *
 * The source thread copies each batch into ring slots, claiming many at a time, and publishes an
 * {@code END} event last. The pacer releases each tick at its time and the bus publisher on the same
 * thread emits it at once; the stages after the pacer run in parallel, each on its own thread, and
 * see ticks in ring order. Every stage is guarded: an
 * exception fails the run with the stage's name and message and cancels the rest, so nothing fails
 * silently; the run ends when every stage after the pacer has seen {@code END}.
 *
 * <p>Threads: one for the source, one for pacer and publisher, one per further stage, all daemons, waiting on the ring with the
 * configured {@link WaitStrategies wait strategy}. {@link #runOnCallingThread()} instead runs
 * source, pacer and stages one after the other on the caller's thread, which with a
 * {@link ManualNanoClock} makes a run fully deterministic (tests).
 */
public final class ReplayPipeline
{
    /** A stage after the pacer, with the name errors and threads carry. */
    public record Stage(String name, EventHandler<TickEvent> handler)
    {
    }

    /**
     * Told, for one emitted tick in 64 per stage, how long after its emission by the pacer a stage
     * after the pacer had handled it (waiting in the ring plus the stage's own work), on the stage's thread.
     */
    @FunctionalInterface
    public interface StageLatency
    {
        StageLatency NONE = (stage, nanos) -> { };

        void record(String stage, long nanos);
    }

    private final Context ctx;
    private final TickBatchSource source;
    private final ReplayControl control;
    private final PacingStage pacer;
    private final List<Stage> stages;
    private final ReplayOutcome outcome = new ReplayOutcome();
    private final BusPublishStage publisher;
    private final CountDownLatch ended;
    private Disruptor<TickEvent> disruptor;
    private long startNanos;

    /**
     * @param publisher the bus-publisher stage: the emission point, whose checksum and counts define the run's output
     * @param stages    further stages after the pacer (journal, signals), in no particular order
     */
    public ReplayPipeline(
        final Context ctx,
        final TickBatchSource source,
        final ReplayControl control,
        final BusPublishStage publisher,
        final List<Stage> stages)
    {
        this.ctx = ctx.conclude(stages.size() + 2);
        this.source = source;
        this.control = control;
        this.pacer = new PacingStage(control, ctx.clock);
        this.publisher = publisher;
        this.stages = List.copyOf(stages);
        this.ended = new CountDownLatch(this.stages.size() + 1);
        control.onSeek(source::seek);
        control.onCancel(source::cancel);
    }

    public PacingStage pacer()
    {
        return pacer;
    }

    public ReplayControl control()
    {
        return control;
    }

    /** Starts the source and stage threads; returns at once. */
    public void start()
    {
        final AtomicInteger n = new AtomicInteger();
        final ThreadFactory threads = r ->
        {
            final Thread t = new Thread(r, ctx.threadName + "-" + stageName(n.getAndIncrement()));
            t.setDaemon(true);
            return t;
        };
        disruptor = new Disruptor<>(TickEvent::new, ctx.ringSize, threads, ProducerType.SINGLE, WaitStrategies.of(ctx.waitStrategy));
        final List<EventHandler<TickEvent>> after = new ArrayList<>();
        for (final Stage stage : stages)
        {
            after.add(new Guarded(stage.name(), stage.handler(), true));
        }
        @SuppressWarnings("unchecked")
        final EventHandler<TickEvent>[] afterArray = after.toArray(EventHandler[]::new);
        final EventHandler<TickEvent> emitter = new PaceAndPublish();
        if (afterArray.length == 0)
        {
            disruptor.handleEventsWith(emitter);
        }
        else
        {
            disruptor.handleEventsWith(emitter).then(afterArray);
        }
        final RingBuffer<TickEvent> ring = disruptor.start();
        startNanos = ctx.clock.nanoTime();
        final Thread producer = new Thread(() -> produce(ring), ctx.threadName + "-source");
        producer.setDaemon(true);
        producer.start();
    }

    private String stageName(final int i)
    {
        return i == 0 ? "pacer" : i - 1 < stages.size() ? stages.get(i - 1).name() : "stage" + i;
    }

    /**
     * The pacer and the bus publisher on one thread: a tick is published the moment it is due, with
     * no ring hop between deciding and doing (in a burst that hop cost more than the work).
     */
    private final class PaceAndPublish implements EventHandler<TickEvent>
    {
        private final Guarded pace = new Guarded("pacer", pacer, false);
        private final Guarded publish = new Guarded("bus-publisher", publisher, true);
        private com.lmax.disruptor.Sequence progress;

        @Override
        public void setSequenceCallback(final com.lmax.disruptor.Sequence sequence)
        {
            // kept here, not handed to the pacer: a slot may be released only once the publisher is done with it
            progress = sequence;
        }

        @Override
        public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
        {
            pace.onEvent(event, sequence, endOfBatch);
            publish.onEvent(event, sequence, endOfBatch);
            if (event.paced && progress != null)
            {
                // a paced tick is released to the later stages at once, not at the end of the batch the ring handed us
                progress.set(sequence);
            }
        }
    }

    /** Free slots in the ticks ring (its whole size before the start). */
    public long ringRemaining()
    {
        final Disruptor<TickEvent> d = disruptor;
        return d == null ? ctx.ringSize : d.getRingBuffer().remainingCapacity();
    }

    public int ringSize()
    {
        return ctx.ringSize;
    }

    /** Waits for the run to end; returns null if it has not within the timeout. */
    public ReplayOutcome awaitCompletion(final long timeout, final TimeUnit unit) throws InterruptedException
    {
        if (!ended.await(timeout, unit))
        {
            return null;
        }
        disruptor.halt();
        finish();
        return outcome;
    }

    /** Runs the whole replay on this thread: source, pacer, then each stage in turn, batch by batch. */
    public ReplayOutcome runOnCallingThread()
    {
        final List<Guarded> guarded = new ArrayList<>();
        for (final Stage stage : stages)
        {
            guarded.add(new Guarded(stage.name(), stage.handler(), true));
        }
        final Guarded pace = new Guarded("pacer", pacer, false);
        guarded.add(0, new Guarded("bus-publisher", publisher, true));
        final TickEvent event = new TickEvent();
        final TickBatch batch = new TickBatch(ctx.batchSize);
        startNanos = ctx.clock.nanoTime();
        long index = 0;
        long sequence = 0;
        try
        {
            while (!control.cancelled())
            {
                batch.clear();
                if (!source.next(batch))
                {
                    break;
                }
                for (int i = 0; i < batch.count; i++)
                {
                    event.copyFrom(batch, i, index++);
                    event.publishedNanos = ctx.clock.nanoTime();
                    final boolean endOfBatch = i == batch.count - 1;
                    pace.onEvent(event, sequence, endOfBatch);
                    for (final Guarded stage : guarded)
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
            source.close();
        }
        event.end(index);
        pace.onEvent(event, sequence, true);
        for (final Guarded stage : guarded)
        {
            stage.onEvent(event, sequence, true);
        }
        finish();
        return outcome;
    }

    private void produce(final RingBuffer<TickEvent> ring)
    {
        final TickBatch batch = new TickBatch(ctx.batchSize);
        final int maxClaim = Math.max(1, ctx.ringSize / 4);
        long index = 0;
        try
        {
            while (!control.cancelled())
            {
                batch.clear();
                if (!source.next(batch))
                {
                    break;
                }
                int i = 0;
                while (i < batch.count)
                {
                    final int n = Math.min(batch.count - i, maxClaim);
                    final long hi = ring.next(n);
                    final long lo = hi - n + 1;
                    final long now = ctx.clock.nanoTime();
                    for (long s = lo; s <= hi; s++)
                    {
                        final TickEvent event = ring.get(s);
                        event.copyFrom(batch, i++, index++);
                        event.publishedNanos = now;
                    }
                    ring.publish(lo, hi);
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
                source.close();
            }
            catch (final RuntimeException e)
            {
                outcome.fail("source", e);
            }
            final long s = ring.next();
            ring.get(s).end(index);
            ring.publish(s);
        }
    }

    private void finish()
    {
        outcome.finish(control.cancelled(), publisher.checksum(), publisher.firstTsMicros(), publisher.lastTsMicros(),
            ctx.clock.nanoTime() - startNanos);
    }

    public ReplayOutcome outcome()
    {
        return outcome;
    }

    /** Runs a stage, turning its exceptions into the run's failure, and counts {@code END}s. */
    private final class Guarded implements EventHandler<TickEvent>
    {
        private final String name;
        private final EventHandler<TickEvent> delegate;
        private final boolean countsEnd;
        private final boolean timed;
        private boolean failed;
        private int ticks;

        Guarded(final String name, final EventHandler<TickEvent> delegate, final boolean countsEnd)
        {
            this.name = name;
            this.delegate = delegate;
            this.countsEnd = countsEnd;
            this.timed = countsEnd && !name.equals("bus-publisher") && ctx.stageLatency != StageLatency.NONE;
        }

        @Override
        public void setSequenceCallback(final com.lmax.disruptor.Sequence sequence)
        {
            delegate.setSequenceCallback(sequence);
        }

        @Override
        public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
        {
            try
            {
                if (!failed)
                {
                    delegate.onEvent(event, sequence, endOfBatch);
                    if (timed && event.type == TickEvent.TICK && !event.skipped && (++ticks & 63) == 0)
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

    /** How to run a pipeline; fluent setters, checked by {@link #conclude(int)}. */
    public static final class Context
    {
        private int ringSize = 1 << 16;
        private int batchSize = 8192;
        private String waitStrategy = "backoff";
        private NanoClock clock = NanoClock.SYSTEM;
        private String threadName = "replay";
        private int cores = Runtime.getRuntime().availableProcessors();
        private StageLatency stageLatency = StageLatency.NONE;

        public Context stageLatency(final StageLatency listener)
        {
            this.stageLatency = listener;
            return this;
        }

        public Context ringSize(final int ringSize)
        {
            this.ringSize = ringSize;
            return this;
        }

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

        public Context cores(final int cores)
        {
            this.cores = cores;
            return this;
        }

        public int batchSize()
        {
            return batchSize;
        }

        /** Checks the settings for a pipeline of {@code threads} threads that may wait on the ring. */
        public Context conclude(final int threads)
        {
            if (ringSize < 2 || Integer.bitCount(ringSize) != 1)
            {
                throw new IllegalArgumentException("ring size must be a power of two >= 2, was " + ringSize);
            }
            if (batchSize < 1)
            {
                throw new IllegalArgumentException("batch size must be >= 1, was " + batchSize);
            }
            WaitStrategies.of(waitStrategy);
            if (WaitStrategies.spins(waitStrategy) && threads > cores)
            {
                throw new IllegalArgumentException("wait strategy " + waitStrategy + " keeps a core busy per thread: this pipeline has " +
                    threads + " threads and the machine " + cores + " cores; use sleeping or lite-blocking");
            }
            return this;
        }
    }
}
