package io.tickreplay.engine.signals;
import io.tickreplay.engine.replay.CheckpointBarrier;

/**
 * The signals ring of one calculator shard (a {@link WriterRing}): the shard's {@link LastPerTimestamp}
 * hands each value to a preallocated slot, the shard's writer thread passes it to the shard's
 * {@link SignalSink}.
 *
 * <pre>
 *  shard thread                          writer thread
 *  calculators -> LastPerTimestamp -> [ | | | | | ] -> sink (batches, commits at its ring batch ends)
 * </pre>
 *
 * <p>Costs one slot claim per value (a few ns); the slot is 56 bytes.
 */
public final class SignalRing extends WriterRing<SignalRing.ValueSlot> implements SignalSink
{
    private final SignalSink writer;

    /**
     * @param name         the writer thread's name
     * @param size         slots (a power of two)
     * @param waitStrategy how the writer waits when the ring is empty ({@link io.tickreplay.engine.replay.WaitStrategies})
     * @param writer       where the values go, called on the writer thread only
     */
    public SignalRing(final String name, final int size, final String waitStrategy, final SignalSink writer)
    {
        super(name, size, waitStrategy, ValueSlot::new);
        this.writer = writer;
    }

    @Override
    public void signal(final int signalId, final int symbolId, final long tsMicros, final int seq, final double value, final double m1,
        final double m2, final double m3)
    {
        final long s = claim();
        final ValueSlot slot = ring.get(s);
        slot.signalId = signalId;
        slot.symbolId = symbolId;
        slot.ts = tsMicros;
        slot.seq = seq;
        slot.value = value;
        slot.m1 = m1;
        slot.m2 = m2;
        slot.m3 = m3;
        publish(s);
    }

    @Override
    protected void write(final ValueSlot e)
    {
        writer.signal(e.signalId, e.symbolId, e.ts, e.seq, e.value, e.m1, e.m2, e.m3);
    }

    @Override
    protected void writerEndOfBatch()
    {
        writer.endOfBatch();
    }

    @Override
    protected void writerEndOfStream()
    {
        writer.endOfStream();
    }

    @Override
    protected void writerCheckpoint(final long id, final CheckpointBarrier checkpoints)
    {
        writer.checkpoint(id, checkpoints);
    }

    /** A ring slot: one signal value. */
    static final class ValueSlot extends WriterRing.Slot
    {
        int signalId;
        int symbolId;
        long ts;
        int seq;
        double value;
        double m1;
        double m2;
        double m3;
    }
}
