package io.tickreplay.adapters.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The {@code series_keys} ids of the (provider, symbol) pairs a writer meets, each resolved once
 * through {@link SignalStore#keyIds} (made there if new) and then found without allocation: by a
 * writer's symbol id, or by the UTF-8 bytes a bus consumer holds. One thread.
 */
final class SeriesKeyIds
{
    private final SignalStore store;
    private final Map<Pair, Integer> byName = new HashMap<>();
    private final Pair probe = new Pair();
    private int[] bySymbolId = new int[16];

    SeriesKeyIds(final SignalStore store)
    {
        this.store = store;
    }

    /** The id of symbol id {@code symbolId}, whose provider and symbol are the bytes given (read on a miss only). */
    int of(final int symbolId, final byte[] provider, final byte[] symbol) throws SQLException
    {
        if (symbolId < bySymbolId.length && bySymbolId[symbolId] != 0)
        {
            return bySymbolId[symbolId];
        }
        final int id = of(provider, symbol);
        if (symbolId >= bySymbolId.length)
        {
            bySymbolId = Arrays.copyOf(bySymbolId, Math.max(symbolId + 1, bySymbolId.length * 2));
        }
        bySymbolId[symbolId] = id;
        return id;
    }

    int of(final byte[] provider, final byte[] symbol) throws SQLException
    {
        probe.set(provider, symbol);
        final Integer known = byName.get(probe);
        if (known != null)
        {
            return known;
        }
        final int id = store.keyIds(List.of(new String(provider, StandardCharsets.UTF_8)), List.of(new String(symbol, StandardCharsets.UTF_8)))[0];
        byName.put(new Pair().set(provider.clone(), symbol.clone()), id);
        return id;
    }

    /** Resolves symbol ids 0..count-1 at once (a replay's symbols, before its first row). */
    void preload(final int count, final IntFunction<byte[]> providers, final IntFunction<byte[]> symbols) throws SQLException
    {
        final String[] p = new String[count];
        final String[] s = new String[count];
        for (int i = 0; i < count; i++)
        {
            p[i] = new String(providers.apply(i), StandardCharsets.UTF_8);
            s[i] = new String(symbols.apply(i), StandardCharsets.UTF_8);
        }
        final int[] ids = store.keyIds(List.of(p), List.of(s));
        if (count > bySymbolId.length)
        {
            bySymbolId = Arrays.copyOf(bySymbolId, count);
        }
        for (int i = 0; i < count; i++)
        {
            bySymbolId[i] = ids[i];
            byName.put(new Pair().set(providers.apply(i).clone(), symbols.apply(i).clone()), ids[i]);
        }
    }

    private static final class Pair
    {
        private byte[] provider;
        private byte[] symbol;
        private int hash;

        Pair set(final byte[] p, final byte[] s)
        {
            provider = p;
            symbol = s;
            hash = Arrays.hashCode(p) * 31 + Arrays.hashCode(s);
            return this;
        }

        @Override
        public int hashCode()
        {
            return hash;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Pair other && Arrays.equals(provider, other.provider) && Arrays.equals(symbol, other.symbol);
        }
    }
}
