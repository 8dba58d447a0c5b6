package io.tickreplay.engine.topology;

import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.models.ModelOutput;
import io.tickreplay.engine.models.ModelSpec;
import io.tickreplay.engine.replay.CheckpointBarrier;
import io.tickreplay.engine.replay.NanoClock;
import io.tickreplay.engine.replay.ReplayCheckpoint;
import io.tickreplay.engine.replay.ReplayControl;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.replay.TickJournal;
import io.tickreplay.engine.replay.WaitStrategies;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.topology.ReplayTopology.StageLatency;
import io.tickreplay.engine.topology.ReplayTopology.Tap;
import io.tickreplay.engine.topology.ReplayTopology.ThreadingMode;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a replay's topology is built from: fluent setters, checked and completed by
 * {@link #conclude()} (Aeron's {@code MediaDriver.Context}). {@link ReplayTopology.Context} is the one
 * to use; this base holds the settings so that the topology's own class stays the wiring alone.
 *
 * @param <C> the concrete context, which the setters return
 */
public abstract class TopologySettings<C extends TopologySettings<C>>
{
    TickBatchSource source;
    SymbolTable symbols;
    String provider = "";
    long runId;
    double speed;
    long maxGapMicros;
    long windowStart = Long.MIN_VALUE;
    long windowEnd = Long.MAX_VALUE;
    TickBus bus;
    TickJournal journal;
    List<String> signals = List.of();
    List<SignalSink> signalSinks = List.of();
    List<ModelSpec> models = List.of();
    ModelOutput modelOutput = ModelOutput.NONE;
    BarSink barSink;
    final List<Tap> taps = new ArrayList<>();
    ThreadingMode mode;
    int ticksRingSize = 1 << 16;
    int signalsRingSize = 1 << 14;
    int barsRingSize = 1 << 10;
    int batchSize = 8192;
    String waitStrategy = "backoff";
    NanoClock clock = NanoClock.SYSTEM;
    String threadName = "replay";
    int cores = Runtime.getRuntime().availableProcessors();
    StageLatency stageLatency = StageLatency.NONE;
    int latencySampleMask = 63;
    SignalSet.Timings timings = SignalSet.Timings.NONE;
    CheckpointBarrier.Listener checkpointListener = CheckpointBarrier.Listener.NONE;
    RunErrors.Listener errorListener = RunErrors.Listener.NONE;
    long checkpointIntervalNanos;
    ReplayCheckpoint resumeFrom;
    boolean concluded;
    int threadCount;

    /** Where the ticks come from, and the run's symbols (ids in the source's batches). */
    public C source(final TickBatchSource source, final SymbolTable symbols)
    {
        this.source = source;
        this.symbols = symbols;
        return self();
    }

    /** What the bus messages carry: provider and {@code replay_run_id}. */
    public C run(final String provider, final long runId)
    {
        this.provider = provider;
        this.runId = runId;
        return self();
    }

    /** A gap between consecutive ticks longer than this is paced as if it were this long; 0 (the default): every gap as it is. */
    public C maxGap(final long micros)
    {
        this.maxGapMicros = micros;
        return self();
    }

    /** 1 = the original pace, N = N times faster, 0 = burst. */
    public C speed(final double speed)
    {
        this.speed = speed;
        return self();
    }

    /**
     * The window {@code [startMicros, endMicros)} the run emits: ticks before the start are warm-up
     * (they update signal state, nothing else), and bars are written only inside the window.
     */
    public C window(final long startMicros, final long endMicros)
    {
        this.windowStart = startMicros;
        this.windowEnd = endMicros;
        return self();
    }

    public C bus(final TickBus bus)
    {
        this.bus = bus;
        return self();
    }

    /** Journal every emitted tick (and the warm-up) here; null for none. The caller closes it. */
    public C journal(final TickJournal journal)
    {
        this.journal = journal;
        return self();
    }

    /**
     * The signals to compute ({@code all}, {@code none} or names) and one sink per calculator shard:
     * the number of sinks is the number of shards (a power of two). {@link SignalSink#DISCARD}
     * computes and keeps nothing, with no ring and no writer thread.
     */
    public C signals(final List<String> names, final List<SignalSink> sinks)
    {
        this.signals = SignalSet.of(names, 1).calculators().stream().map(c -> c.name()).toList();
        this.signalSinks = List.copyOf(sinks);
        return self();
    }

    /** Models each shard's chain runs for its symbols ({@code pred_<name>}, ids after the signals'); none by default. */
    public C models(final List<ModelSpec> specs, final ModelOutput output)
    {
        this.models = List.copyOf(specs);
        this.modelOutput = output;
        return self();
    }

    /** Where completed bars go; null for no bars. */
    public C bars(final BarSink sink)
    {
        this.barSink = sink;
        return self();
    }

    /**
     * Take a checkpoint every {@code intervalNanos} of the run's clock (0: none) and hand each one every
     * writer has committed to {@code listener}, on the last writer's thread.
     */
    public C checkpoints(final CheckpointBarrier.Listener listener, final long intervalNanos)
    {
        this.checkpointListener = listener;
        this.checkpointIntervalNanos = intervalNanos;
        return self();
    }

    /**
     * Go on from a checkpoint of an earlier run of the same window: ticks up to it are read as warm-up
     * (state, not emitted, not journaled), emission starts after it, the checksum continues from it.
     */
    public C resumeFrom(final ReplayCheckpoint checkpoint)
    {
        this.resumeFrom = checkpoint;
        return self();
    }

    public C tap(final Tap tap)
    {
        this.taps.add(tap);
        return self();
    }

    /** null: DEDICATED when the machine has a core for each of its threads, else SHARED. */
    public C threadingMode(final ThreadingMode mode)
    {
        this.mode = mode;
        return self();
    }

    public C ticksRingSize(final int size)
    {
        this.ticksRingSize = size;
        return self();
    }

    public C signalsRingSize(final int size)
    {
        this.signalsRingSize = size;
        return self();
    }

    public C barsRingSize(final int size)
    {
        this.barsRingSize = size;
        return self();
    }

    /** Ticks per batch from the source into the ticks ring. */
    public C batchSize(final int batchSize)
    {
        this.batchSize = batchSize;
        return self();
    }

    public C waitStrategy(final String waitStrategy)
    {
        this.waitStrategy = waitStrategy;
        return self();
    }

    public C clock(final NanoClock clock)
    {
        this.clock = clock;
        return self();
    }

    public C threadName(final String threadName)
    {
        this.threadName = threadName;
        return self();
    }

    /** The cores the threads share (the JVM's by default). */
    public C cores(final int cores)
    {
        this.cores = cores;
        return self();
    }

    public C stageLatency(final StageLatency listener)
    {
        this.stageLatency = listener;
        return self();
    }

    /** Time one tick in {@code mask + 1} per stage (a power of two minus one; 0 times every tick). */
    public C latencySampleMask(final int mask)
    {
        this.latencySampleMask = mask;
        return self();
    }

    /** Told of each stage's error (counted into {@code /metrics} by the api), on the failing stage's thread. */
    public C errors(final RunErrors.Listener listener)
    {
        this.errorListener = listener;
        return self();
    }

    /** Told of sampled calculator compute times (the seed's {@code signals_compute_duration_seconds}). */
    public C timings(final SignalSet.Timings timings)
    {
        this.timings = timings;
        return self();
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
    public C conclude()
    {
        if (concluded)
        {
            return self();
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
        return self();
    }

    /** Conclude, and also check that everything a run needs is there. */
    C concludeForRun()
    {
        conclude();
        if (source == null || symbols == null || bus == null)
        {
            throw new IllegalArgumentException("a replay topology needs a source, its symbols and a bus");
        }
        return self();
    }

    int threads(final ThreadingMode m)
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

    /** This context, as its own type (for the fluent setters). */
    protected abstract C self();
}
