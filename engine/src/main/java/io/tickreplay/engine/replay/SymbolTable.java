package io.tickreplay.engine.replay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A run's symbols interned to dense ids 0..n-1, in byte order of their UTF-8 form: the order of
 * PostgreSQL's "C" collation, so that comparing ids compares symbols as the replay order
 * (ts, symbol, seq) requires. Immutable and thread-safe once built.
 *
 * <p>A run over several sources ({@link #ofSources}) interns (provider, symbol) keys instead: ids go
 * source by source, each source's symbols in byte order, so that comparing ids compares (source
 * order, symbol) as the merged order (ts, source, symbol, seq) requires, and NVDA of one provider is
 * not NVDA of another. {@link #provider} then names each id's provider; in a one-source table it is
 * null (the run's provider).
 */
public final class SymbolTable
{
    private final String[] names;
    private final String[] providers;
    private final byte[][] utf8;
    private final Map<String, Integer> ids = new HashMap<>();
    private final boolean sorted;
    private final boolean severalProviders;

    public SymbolTable(final List<String> symbols)
    {
        names = byteOrder(symbols).toArray(String[]::new);
        providers = null;
        utf8 = new byte[names.length][];
        for (int i = 0; i < names.length; i++)
        {
            utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
            ids.put(names[i], i);
        }
        sorted = true;
        severalProviders = false;
    }

    private SymbolTable(final String[] providers, final String[] names)
    {
        this.names = names;
        this.providers = providers;
        utf8 = new byte[names.length][];
        for (int i = 0; i < names.length; i++)
        {
            utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
            if (ids.putIfAbsent(key(providers[i], names[i]), i) != null)
            {
                throw new IllegalArgumentException("symbol " + names[i] + " of provider " + providers[i] + " is in two sources");
            }
        }
        sorted = false;
        severalProviders = Arrays.stream(providers).distinct().count() > 1;
    }

    /**
     * The table of a run over several sources: source {@code s} has provider {@code providers.get(s)} and
     * symbols {@code symbols.get(s)}; its ids are {@link #firstId}(s) onwards, its symbols in byte order.
     *
     * @throws IllegalArgumentException when a (provider, symbol) is in two sources
     */
    public static SymbolTable ofSources(final List<String> providers, final List<List<String>> symbols)
    {
        final List<String> p = new ArrayList<>();
        final List<String> n = new ArrayList<>();
        for (int s = 0; s < providers.size(); s++)
        {
            for (final String name : byteOrder(symbols.get(s)))
            {
                p.add(providers.get(s));
                n.add(name);
            }
        }
        return new SymbolTable(p.toArray(String[]::new), n.toArray(String[]::new));
    }

    /** A table in the id order given (a journal's manifest): {@code providers} null for a one-source run. */
    public static SymbolTable inOrder(final List<String> providers, final List<String> symbols)
    {
        return providers == null ? new SymbolTable(symbols) : new SymbolTable(providers.toArray(String[]::new), symbols.toArray(String[]::new));
    }

    private static List<String> byteOrder(final List<String> symbols)
    {
        final List<String> list = new ArrayList<>(new TreeSet<>(symbols));
        list.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        return list;
    }

    private static String key(final String provider, final String symbol)
    {
        return provider + '\u0000' + symbol;
    }

    /** The provider of {@code id} in a several-source table; null in a one-source table (the run's provider). */
    public String provider(final int id)
    {
        return providers == null ? null : providers[id];
    }

    /** The provider of {@code id}, or {@code runProvider} in a one-source table. */
    public String provider(final int id, final String runProvider)
    {
        return providers == null ? runProvider : providers[id];
    }

    /** The providers in id order; null for a one-source table. */
    public List<String> providers()
    {
        return providers == null ? null : List.of(providers);
    }

    /** Whether two ids may share a symbol name (several providers): then the name alone does not tell a stream apart. */
    public boolean severalProviders()
    {
        return severalProviders;
    }

    /** The id of {@code symbol} of {@code provider}, or -1; in a one-source table the provider is not looked at. */
    public int id(final String provider, final String symbol)
    {
        final Integer id = ids.get(providers == null ? symbol : key(provider, symbol));
        return id == null ? -1 : id;
    }

    public int size()
    {
        return names.length;
    }

    public String name(final int id)
    {
        return names[id];
    }

    public byte[] utf8(final int id)
    {
        return utf8[id];
    }

    /** The id of {@code symbol}, or -1. */
    public int id(final String symbol)
    {
        if (providers != null)
        {
            for (int i = 0; i < names.length; i++)
            {
                if (names[i].equals(symbol))
                {
                    return i;
                }
            }
            return -1;
        }
        final Integer id = ids.get(symbol);
        return id == null ? -1 : id;
    }

    /** The id of the symbol whose UTF-8 bytes are {@code bytes[from, from + length)}, or -1. Allocation-free. */
    public int id(final byte[] bytes, final int from, final int length)
    {
        if (!sorted)
        {
            for (int i = 0; i < utf8.length; i++)
            {
                if (Arrays.equals(utf8[i], 0, utf8[i].length, bytes, from, from + length))
                {
                    return i;
                }
            }
            return -1;
        }
        int lo = 0;
        int hi = names.length - 1;
        while (lo <= hi)
        {
            final int mid = (lo + hi) >>> 1;
            final int c = Arrays.compareUnsigned(utf8[mid], 0, utf8[mid].length, bytes, from, from + length);
            if (c < 0)
            {
                lo = mid + 1;
            }
            else if (c > 0)
            {
                hi = mid - 1;
            }
            else
            {
                return mid;
            }
        }
        return -1;
    }

    public List<String> names()
    {
        return List.of(names);
    }
}
