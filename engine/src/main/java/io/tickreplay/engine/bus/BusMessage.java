package io.tickreplay.engine.bus;
import io.tickreplay.engine.tick.Tick;

/**
 * A tick as it travels on a bus: the seed's message shape ({@code kind}, {@code provider},
 * {@code symbol}, {@code price}, {@code timestamp}, {@code size}, {@code bid}, {@code ask},
 * {@code origin}, {@code replay_run_id}) plus {@code seq}, {@code bid_size}, {@code ask_size}.
 *
 * <p>A mutable flyweight: a ring slot of the {@link InProcessBus}, or a reusable scratch object.
 * Strings are references to interned names, never built per message. Absent values are NaN;
 * {@code replayRunId} is 0 for live ticks.
 */
public final class BusMessage
{
    public static final byte KIND_TICK = 1;
    public static final byte ORIGIN_LIVE = 0;
    public static final byte ORIGIN_REPLAY = 1;

    public byte kind = KIND_TICK;
    public byte origin;
    public String provider;
    public String symbol;
    public long tsMicros;
    public int seq;
    public double price;
    public double size;
    public double bid = Double.NaN;
    public double ask = Double.NaN;
    public double bidSize = Double.NaN;
    public double askSize = Double.NaN;
    public long replayRunId;
    /**
     * The tick's ordinal among the ticks its replay run emitted, from 1 (0: unknown, a live tick or an
     * older producer): the same for the same tick whether the run was resumed or not, so that a consumer
     * folds each tick of a run in once, whatever a resumed run published again.
     */
    public long runSeq;

    /** Every field absent, as a decoder starts a record: no names, no ts, NaN numbers, seq 0, a replay's tick of no run. */
    public BusMessage unset()
    {
        kind = KIND_TICK;
        origin = ORIGIN_REPLAY;
        provider = null;
        symbol = null;
        tsMicros = Long.MIN_VALUE;
        seq = 0;
        price = Double.NaN;
        size = Double.NaN;
        bid = Double.NaN;
        ask = Double.NaN;
        bidSize = Double.NaN;
        askSize = Double.NaN;
        replayRunId = 0;
        runSeq = 0;
        return this;
    }

    public BusMessage copyFrom(final BusMessage o)
    {
        kind = o.kind;
        origin = o.origin;
        provider = o.provider;
        symbol = o.symbol;
        tsMicros = o.tsMicros;
        seq = o.seq;
        price = o.price;
        size = o.size;
        bid = o.bid;
        ask = o.ask;
        bidSize = o.bidSize;
        askSize = o.askSize;
        replayRunId = o.replayRunId;
        runSeq = o.runSeq;
        return this;
    }

    /** Fills {@code tick} with this message's tick fields (not its seq: the receiver numbers ties itself). */
    public Tick toTick(final Tick tick)
    {
        tick.provider = provider;
        tick.symbol = symbol;
        tick.tsMicros = tsMicros;
        tick.price = price;
        tick.size = size;
        tick.bid = bid;
        tick.ask = ask;
        tick.bidSize = bidSize;
        tick.askSize = askSize;
        return tick;
    }

    /** A live tick from a feed: this message takes {@code tick}'s fields, origin live and seq 0 (a live feed does not number ticks; the consumer does, in arrival order). */
    public BusMessage live(final Tick tick)
    {
        kind = KIND_TICK;
        origin = ORIGIN_LIVE;
        provider = tick.provider;
        symbol = tick.symbol;
        tsMicros = tick.tsMicros;
        seq = 0;
        price = tick.price;
        size = tick.size;
        bid = tick.bid;
        ask = tick.ask;
        bidSize = tick.bidSize;
        askSize = tick.askSize;
        replayRunId = 0;
        runSeq = 0;
        return this;
    }

    public String originName()
    {
        return origin == ORIGIN_REPLAY ? "replay" : "live";
    }

    @Override
    public String toString()
    {
        return BusJson.encode(this, new StringBuilder(200)).toString();
    }
}
