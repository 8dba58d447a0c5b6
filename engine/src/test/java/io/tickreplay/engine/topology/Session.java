package io.tickreplay.engine.topology;

import io.tickreplay.engine.bus.BusMessage;
import io.tickreplay.engine.bus.TickBus;
import io.tickreplay.engine.replay.SymbolTable;
import io.tickreplay.engine.replay.TickBatch;
import io.tickreplay.engine.replay.TickBatchSource;
import io.tickreplay.engine.signals.BarBuilder;
import io.tickreplay.engine.signals.BarSink;
import io.tickreplay.engine.signals.SignalSet;
import io.tickreplay.engine.signals.SignalSink;
import io.tickreplay.engine.synth.SyntheticSession;
import io.tickreplay.engine.tick.Tick;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A synthetic session in replay order, with sinks that record rows as sortable text: the fixture of the topology tests. */
final class Session
{
    static final List<String> NAMES = List.of("AAPL", "AMZN", "MSFT", "NVDA", "TSLA");
    static final SymbolTable SYMBOLS = new SymbolTable(NAMES);
    static final List<String> ALL = SignalSet.of(List.of("all"), 1).calculators().stream().map(c -> c.name()).toList();
    static final TickBus NOWHERE = new TickBus()
    {
        @Override
        public void publish(final BusMessage message)
        {
        }
    };

    private static List<Tick> ticks;

    private Session()
    {
    }

    /** A synthetic session (09:30-16:00 New York, about 58k ticks), sorted by (ts, symbol, seq). */
    static synchronized List<Tick> ticks()
    {
        if (ticks == null)
        {
            final List<Tick> all = new ArrayList<>();
            new SyntheticSession(new SyntheticSession.Context().symbols(NAMES).ticksPerSecond(0.5).seed(3))
                .run(t -> all.add(new Tick().copyFrom(t)), f -> { });
            all.sort((a, b) -> a.tsMicros != b.tsMicros ? Long.compare(a.tsMicros, b.tsMicros)
                : !a.symbol.equals(b.symbol) ? a.symbol.compareTo(b.symbol) : Integer.compare(a.seq, b.seq));
            ticks = List.copyOf(all);
        }
        return ticks;
    }

    static TickBatchSource source()
    {
        return source(Long.MAX_VALUE);
    }

    /** The session's ticks before {@code endMicros} (a window's end). */
    static TickBatchSource source(final long endMicros)
    {
        final List<Tick> all = ticks().stream().filter(t -> t.tsMicros < endMicros).toList();
        return new TickBatchSource()
        {
            private int next;

            @Override
            public boolean next(final TickBatch batch)
            {
                while (!batch.full() && next < all.size())
                {
                    final Tick t = all.get(next++);
                    batch.add(SYMBOLS.id(t.symbol), t.tsMicros, t.seq, t.price, t.size, t.bid, t.ask, t.bidSize, t.askSize);
                }
                return batch.count > 0;
            }

            @Override
            public void close()
            {
            }
        };
    }

    /** Records every value as "name symbol ts seq valueBits m1Bits". */
    static final class Signals implements SignalSink
    {
        final List<String> rows = Collections.synchronizedList(new ArrayList<>());
        private final List<String> names;
        volatile int ends;

        Signals(final List<String> names)
        {
            this.names = names;
        }

        @Override
        public void signal(final int signalId, final int symbolId, final long ts, final int seq, final double value, final double m1,
            final double m2, final double m3)
        {
            rows.add(names.get(signalId) + " " + SYMBOLS.name(symbolId) + " " + ts + " " + seq + " " + Double.doubleToLongBits(value) + " " +
                Double.doubleToLongBits(m1));
        }

        @Override
        public void endOfBatch()
        {
        }

        @Override
        public void endOfStream()
        {
            ends++;
        }
    }

    /** Records every bar as "interval symbol start open high low close volume trades". */
    static final class Bars implements BarSink
    {
        final List<String> rows = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void bar(final int symbolId, final long interval, final long start, final double open, final double high, final double low,
            final double close, final double volume, final long trades, final double vwap)
        {
            rows.add(BarBuilder.intervalName(interval) + " " + SYMBOLS.name(symbolId) + " " + start + " " + open + " " + high + " " + low + " " +
                close + " " + volume + " " + trades);
        }

        @Override
        public void endOfBatch()
        {
        }

        @Override
        public void endOfStream()
        {
        }
    }

    static List<String> sorted(final List<String> rows)
    {
        final List<String> copy = new ArrayList<>(rows);
        Collections.sort(copy);
        return copy;
    }
}
