package io.tickreplay.adapters.files;

import org.agrona.collections.Long2LongHashMap;

import java.util.HashMap;
import java.util.Map;

/**
 * Assigns {@code seq}: the ordinal of a tick among the file's ticks with the same
 * (provider, symbol, ts), in file order (0, 1, 2, ...).
 *
 * <p>Because {@code seq} depends only on the file's own rows, importing the same rows twice gives
 * the same primary keys, which is what makes re-import idempotent, and an overlapping file's shared
 * ticks collide instead of duplicating.
 *
 * <p>Files sorted by time per symbol (the usual case) need one counter per symbol. A file that goes
 * back in time for a symbol cannot be numbered that way: {@link #next} then throws
 * {@link UnsortedException} and the importer starts over with {@link #tracking()}, which remembers
 * every distinct (symbol, ts): about 32 bytes each.
 */
public final class SeqAssigner
{
    private final boolean trackAll;
    private final Map<String, State> states = new HashMap<>();
    private String lastKey;
    private State last;

    private SeqAssigner(final boolean trackAll)
    {
        this.trackAll = trackAll;
    }

    public static SeqAssigner sorted()
    {
        return new SeqAssigner(false);
    }

    public static SeqAssigner tracking()
    {
        return new SeqAssigner(true);
    }

    public int next(final String provider, final String symbol, final long tsMicros) throws UnsortedException
    {
        final State state = state(provider, symbol);
        if (trackAll)
        {
            final long seen = state.seen.get(tsMicros);
            final long seq = seen == state.seen.missingValue() ? 0 : seen + 1;
            state.seen.put(tsMicros, seq);
            return (int)seq;
        }
        if (tsMicros == state.lastTs)
        {
            return ++state.count;
        }
        if (tsMicros < state.lastTs)
        {
            throw new UnsortedException(symbol);
        }
        state.lastTs = tsMicros;
        state.count = 0;
        return 0;
    }

    private State state(final String provider, final String symbol)
    {
        if (last != null && lastKey.length() == provider.length() + symbol.length() + 1 &&
            lastKey.startsWith(provider) && lastKey.endsWith(symbol) && lastKey.charAt(provider.length()) == '\u0000')
        {
            return last;
        }
        final String key = provider + '\u0000' + symbol;
        State state = states.get(key);
        if (state == null)
        {
            state = new State(trackAll);
            states.put(key, state);
        }
        lastKey = key;
        last = state;
        return state;
    }

    private static final class State
    {
        long lastTs = Long.MIN_VALUE;
        int count;
        final Long2LongHashMap seen;

        State(final boolean trackAll)
        {
            seen = trackAll ? new Long2LongHashMap(-1) : null;
        }
    }

    /** The file is not sorted by time for {@code symbol}; numbering must start over in tracking mode. */
    public static final class UnsortedException extends Exception
    {
        private static final long serialVersionUID = 1L;

        public UnsortedException(final String symbol)
        {
            super("ticks of " + symbol + " go back in time", null, false, false);
        }
    }
}
