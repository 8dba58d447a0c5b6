package io.tickreplay.engine.replay;

import com.lmax.disruptor.EventHandler;
import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;

/**
 * The emission point of a replay: turns each emitted tick into the seed's bus message
 * ({@code origin} "replay", {@code replay_run_id}) and publishes it, folds it into the stream
 * checksum and its symbol's {@link SymbolDigests} (a warm-up tick into those only), and counts it. Progress becomes visible to other threads once per ring batch.
 *
 * <p>One thread; allocation-free per tick (names are the symbol table's interned strings). In a
 * burst, messages go to the bus in claims of up to 256 (one atomic claim each, the bus's costliest
 * part); a paced tick goes alone, the moment the pacer releases it.
 */
public final class BusPublishStage implements EventHandler<TickEvent>
{
    private final TickBus bus;
    private final long windowStart;
    private final long windowEnd;
    private boolean started;
    private final String provider;
    private final long runId;
    private final SymbolTable symbols;
    private final ReplayProgress progress;
    private final StreamChecksum checksum;
    private static final int BUFFER = 256;
    private static final long PROGRESS_EVERY_MASK = 4_095;

    private final BusMessage[] buffer = new BusMessage[BUFFER];
    private int buffered;
    private final long[] bySymbol;
    private final SymbolDigests digests;
    private long emitted;
    private final CheckpointBarrier checkpoints;
    private long firstTs = Long.MIN_VALUE;
    private long lastTs = Long.MIN_VALUE;
    private int lastSymbolId = -1;
    private int lastSeq;

    public BusPublishStage(final TickBus bus, final String provider, final long runId, final SymbolTable symbols, final ReplayProgress progress)
    {
        this(bus, provider, runId, symbols, progress, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** @param windowStartMicros the run's window, which the bus is told before the first message ({@link TickBus#startOfRun}) */
    public BusPublishStage(final TickBus bus, final String provider, final long runId, final SymbolTable symbols, final ReplayProgress progress,
        final long windowStartMicros, final long windowEndMicros)
    {
        this(bus, provider, runId, symbols, progress, windowStartMicros, windowEndMicros, CheckpointBarrier.NONE);
    }

    /**
     * @param checkpoints acknowledged at each checkpoint marker once the bus holds every tick before it
     *                    ({@link TickBus#sync}): a resumed run re-publishes only what the bus may lack
     */
    public BusPublishStage(final TickBus bus, final String provider, final long runId, final SymbolTable symbols, final ReplayProgress progress,
        final long windowStartMicros, final long windowEndMicros, final CheckpointBarrier checkpoints)
    {
        this.checkpoints = checkpoints;
        this.windowStart = windowStartMicros;
        this.windowEnd = windowEndMicros;
        this.bus = bus;
        this.provider = provider;
        this.runId = runId;
        this.symbols = symbols;
        this.progress = progress;
        this.checksum = new StreamChecksum(symbols);
        this.bySymbol = new long[symbols.size()];
        this.digests = new SymbolDigests(symbols.size());
        for (int i = 0; i < BUFFER; i++)
        {
            final BusMessage message = new BusMessage();
            message.kind = BusMessage.KIND_TICK;
            message.origin = BusMessage.ORIGIN_REPLAY;
            message.provider = provider;
            message.replayRunId = runId;
            buffer[i] = message;
        }
    }

    @Override
    public void onEvent(final TickEvent event, final long sequence, final boolean endOfBatch)
    {
        if (!started)
        {
            started = true;
            bus.startOfRun(provider, runId, windowStart, windowEnd);
        }
        if (event.type == TickEvent.TICK && event.checkpointBefore != 0)
        {
            if (buffered > 0)
            {
                bus.publish(buffer, buffered);
                buffered = 0;
            }
            bus.sync();
            checkpoints.ack(event.checkpointBefore);
        }
        if (event.type == TickEvent.TICK && !event.skipped)
        {
            final BusMessage message = buffer[buffered++];
            message.symbol = symbols.name(event.symbolId);
            message.provider = symbols.provider(event.symbolId, provider);
            event.copyTo(message);
            checksum.add(event.symbolId, event.tsMicros, event.seq, event.price, event.size, event.bid, event.ask, event.bidSize, event.askSize);
            digests.emitted(event.symbolId, event.tsMicros, event.seq, event.price, event.size, event.bid, event.ask, event.bidSize, event.askSize);
            bySymbol[event.symbolId]++;
            message.runSeq = ++emitted;
            if (firstTs == Long.MIN_VALUE)
            {
                firstTs = event.tsMicros;
            }
            lastTs = event.tsMicros;
            lastSymbolId = event.symbolId;
            lastSeq = event.seq;
        }
        else if (event.type == TickEvent.TICK && event.warmup)
        {
            digests.warmup(event.symbolId, event.tsMicros, event.seq, event.price, event.size, event.bid, event.ask, event.bidSize, event.askSize);
        }
        // a paced tick leaves at once; a burst leaves in claims of up to BUFFER messages
        if (buffered == BUFFER || (buffered > 0 && (event.paced || endOfBatch || event.type == TickEvent.END)))
        {
            bus.publish(buffer, buffered);
            buffered = 0;
        }
        if (event.paced || event.type == TickEvent.END)
        {
            bus.flush(); // a paced tick is due now; a burst leaves through the bus's own batching
        }
        // and every 4,096 ticks: a burst's ring batches run to tens of thousands, and its progress would move in jumps
        if (endOfBatch || event.paced || event.type == TickEvent.END || (emitted & PROGRESS_EVERY_MASK) == 0)
        {
            progress.publish(emitted, lastTs, bySymbol);
        }
        if (event.type == TickEvent.END)
        {
            bus.endOfRun(provider, runId, emitted, checksum.hex(), event.complete);
        }
    }

    /**
     * Goes on from a checkpoint of an earlier run of the same window: its ticks count, checksum and first
     * tick time, so that the run ends with those of the whole window. Before the run starts.
     */
    public void restore(final ReplayCheckpoint from)
    {
        checksum.restore(from.checksum(), from.ticks());
        emitted = from.ticks();
        firstTs = from.firstTsMicros();
        lastTs = from.lastTsMicros();
        lastSymbolId = symbols.id(from.lastSymbol());
        lastSeq = from.lastSeq();
    }

    /** Where the stream is now, as checkpoint {@code id}; null before the first tick. On the publisher's thread. */
    public ReplayCheckpoint position(final long id)
    {
        return lastSymbolId < 0 ? null
            : new ReplayCheckpoint(id, lastTs, symbols.name(lastSymbolId), lastSeq, checksum.count(), checksum.value(), firstTs);
    }

    /**
     * Each symbol's count and checksum of the ticks emitted and of those read for warm-up. A resumed run's
     * hold only what it read since its checkpoint ({@link #restore} cannot restore them).
     */
    public SymbolDigests digests()
    {
        return digests;
    }

    public StreamChecksum checksum()
    {
        return checksum;
    }

    public long firstTsMicros()
    {
        return firstTs;
    }

    public long lastTsMicros()
    {
        return lastTs;
    }
}
