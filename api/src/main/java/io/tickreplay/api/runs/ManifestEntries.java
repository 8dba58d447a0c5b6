package io.tickreplay.api.runs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A run manifest flattened to entries that can be compared one by one: {@code code.commit},
 * {@code window.start}, {@code sources[1].symbols}, {@code signals.rsi_14.period},
 * {@code data.ibkr:NVDA.ticks}, {@code settings.signals_metadata}, {@code status}. Signals are keyed by
 * name and data by provider and symbol, so that their order does not count; a list of plain values (a
 * source's symbols) is one entry. Stateless.
 */
final class ManifestEntries
{
    /** One entry that differs, with both values (null where a run has none). */
    record Difference(String entry, Object a, Object b)
    {
        Map<String, Object> toJson()
        {
            final Map<String, Object> m = new LinkedHashMap<>();
            m.put("entry", entry);
            m.put("a", a);
            m.put("b", b);
            return m;
        }
    }

    private ManifestEntries()
    {
    }

    /** The entries that differ, in the order of {@code a}'s entries, then {@code b}'s own. */
    static List<Difference> differences(final Map<String, Object> a, final Map<String, Object> b)
    {
        final Map<String, Object> ea = of(a);
        final Map<String, Object> eb = of(b);
        final Set<String> keys = new LinkedHashSet<>(ea.keySet());
        keys.addAll(eb.keySet());
        final List<Difference> out = new ArrayList<>();
        final Set<String> oneSided = new LinkedHashSet<>();
        for (final String key : keys)
        {
            final Object va = ea.get(key);
            final Object vb = eb.get(key);
            if (Objects.equals(va, vb) || underOneSided(key, oneSided))
            {
                continue;
            }
            if (va == null || vb == null)
            {
                oneSided.add(key); // a signal or a symbol one run has: its own entries are not listed again
            }
            out.add(new Difference(key, va, vb));
        }
        return out;
    }

    private static boolean underOneSided(final String key, final Set<String> oneSided)
    {
        for (final String parent : oneSided)
        {
            if (key.startsWith(parent + "."))
            {
                return true;
            }
        }
        return false;
    }

    /** The manifest's entries; values are plain (text, numbers as long or double, booleans) or lists of them. */
    static Map<String, Object> of(final Map<String, Object> manifest)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (final Map.Entry<String, Object> e : manifest.entrySet())
        {
            switch (e.getKey())
            {
                case "signals" -> keyed(out, "signals", e.getValue(), "name", "parameters");
                case "data" -> keyed(out, "data", e.getValue(), null, null);
                case "sources" ->
                {
                    int i = 1;
                    for (final Object source : list(e.getValue()))
                    {
                        flatten(out, "sources[" + i++ + "]", source);
                    }
                }
                default -> flatten(out, e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /** A list of objects keyed by their name ({@code nameField}) or by provider:symbol (data): present, then its fields. */
    private static void keyed(final Map<String, Object> out, final String prefix, final Object value, final String nameField, final String inner)
    {
        for (final Object item : list(value))
        {
            if (!(item instanceof Map<?, ?> m))
            {
                continue;
            }
            final String key = prefix + "." + (nameField != null ? String.valueOf(m.get(nameField)) : m.get("provider") + ":" + m.get("symbol"));
            out.put(key, nameField != null ? "computed" : "read");
            for (final Map.Entry<?, ?> f : m.entrySet())
            {
                final String field = String.valueOf(f.getKey());
                if (field.equals(nameField) || (nameField == null && (field.equals("provider") || field.equals("symbol"))))
                {
                    continue;
                }
                flatten(out, field.equals(inner) ? key : key + "." + field, f.getValue());
            }
        }
    }

    private static void flatten(final Map<String, Object> out, final String key, final Object value)
    {
        if (value instanceof Map<?, ?> m)
        {
            for (final Map.Entry<?, ?> e : m.entrySet())
            {
                flatten(out, key + "." + e.getKey(), e.getValue());
            }
        }
        else if (value instanceof List<?> l)
        {
            out.put(key, l.stream().map(ManifestEntries::plain).toList());
        }
        else
        {
            out.put(key, plain(value));
        }
    }

    /** Numbers as long when whole, else double, so that 14 read as an int and as a long are equal. */
    private static Object plain(final Object v)
    {
        if (v instanceof Integer || v instanceof Long || v instanceof Short)
        {
            return ((Number)v).longValue();
        }
        if (v instanceof Number n)
        {
            final double d = n.doubleValue();
            return d == Math.rint(d) && Math.abs(d) < 9.007199254740992E15 ? (Object)n.longValue() : (Object)d;
        }
        return v instanceof Map<?, ?> || v instanceof List<?> ? String.valueOf(v) : v;
    }

    private static List<?> list(final Object value)
    {
        return value instanceof List<?> l ? l : List.of();
    }
}
