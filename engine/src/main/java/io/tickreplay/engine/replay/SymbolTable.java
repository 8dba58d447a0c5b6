package io.tickreplay.engine.replay;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's symbols interned to dense ids 0..n-1, in byte order of their UTF-8 form: the order of
 * PostgreSQL's "C" collation, so that comparing ids compares symbols as the replay order
 * (ts, symbol, seq) requires. Immutable and thread-safe once built.
 */
public final class SymbolTable
{
    private final String[] names;
    private final byte[][] utf8;
    private final Map<String, Integer> ids = new HashMap<>();

    public SymbolTable(final List<String> symbols)
    {
        final List<String> sorted = new ArrayList<>(new java.util.TreeSet<>(symbols));
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
        names = sorted.toArray(String[]::new);
        utf8 = new byte[names.length][];
        for (int i = 0; i < names.length; i++)
        {
            utf8[i] = names[i].getBytes(StandardCharsets.UTF_8);
            ids.put(names[i], i);
        }
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
        final Integer id = ids.get(symbol);
        return id == null ? -1 : id;
    }

    /** The id of the symbol whose UTF-8 bytes are {@code bytes[from, from + length)}, or -1. Allocation-free. */
    public int id(final byte[] bytes, final int from, final int length)
    {
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
