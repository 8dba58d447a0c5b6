package io.tickreplay.api.runs;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@link RunDiff.Result} in words, as {@code tickreplay diff} prints it: the verdict, then each of the
 * four comparisons, one line per manifest entry and per signal name. Stateless.
 */
final class DiffText
{
    private DiffText()
    {
    }

    static String of(final RunDiff.Result r)
    {
        final StringBuilder out = new StringBuilder();
        out.append("runs ").append(r.a()).append(" and ").append(r.b()).append(": ").append(r.equal() ? "equal" : "different").append('\n');
        if (r.manifest() == null)
        {
            out.append("manifest: not compared: ").append(r.manifestMissing()).append('\n');
        }
        else if (r.manifest().isEmpty())
        {
            out.append("manifest: equal\n");
        }
        else
        {
            out.append("manifest: ").append(r.manifest().size()).append(r.manifest().size() == 1 ? " entry differs" : " entries differ").append('\n');
            for (final ManifestEntries.Difference d : r.manifest())
            {
                out.append("  ").append(entry(d.entry())).append(": ").append(value(d.a())).append(" -> ").append(value(d.b())).append('\n');
            }
        }
        out.append("stream checksum: ").append(value(r.checksum().get("a"))).append(Boolean.TRUE.equals(r.checksum().get("agree")) ? " = " : " vs ")
            .append(value(r.checksum().get("b"))).append(Boolean.TRUE.equals(r.checksum().get("agree")) ? " (agree)" : " (differ)").append('\n');
        out.append("stream: ").append(stream(r.stream())).append('\n');
        out.append("signal rows (relative tolerance ").append(r.tolerance()).append("):");
        if (r.signals().isEmpty())
        {
            out.append(" no signals in either run");
        }
        out.append('\n');
        for (final Map<String, Object> s : r.signals())
        {
            out.append("  ").append(s.get("name")).append(": ").append(rows(s, r.a(), r.b())).append('\n');
        }
        return out.toString();
    }

    /** {@code data.ibkr:NVDA.ticks} -> {@code data ibkr:NVDA ticks}; {@code signals.rsi_14.period} -> {@code signal rsi_14 period}. */
    private static String entry(final String key)
    {
        if (key.startsWith("data.") || key.startsWith("signals."))
        {
            final String rest = key.substring(key.indexOf('.') + 1);
            final int dot = rest.indexOf('.');
            final String head = key.startsWith("data.") ? "data " : "signal ";
            return head + (dot < 0 ? rest : rest.substring(0, dot) + " " + rest.substring(dot + 1));
        }
        return key;
    }

    private static String stream(final Map<String, Object> s)
    {
        if (!Boolean.TRUE.equals(s.get("compared")))
        {
            return "not compared: " + s.get("reason");
        }
        if (!Boolean.TRUE.equals(s.get("diverges")))
        {
            return "no divergence (" + value(s.get("ticks")) + " ticks read from each journal)";
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> f = (Map<String, Object>)s.get("first");
        if ("end".equals(f.get("field")))
        {
            final String longer = f.get("tick_a") != null ? "a" : "b";
            return "run " + (longer.equals("a") ? "b" : "a") + "'s stream ends after " + value(f.get("index")) + " ticks; run " + longer +
                "'s goes on with " + f.get("ts") + " " + f.get("provider") + ":" + f.get("symbol");
        }
        return "diverges at tick " + value(f.get("index")) + " (" + f.get("ts") + " " + f.get("provider") + ":" + f.get("symbol") + "): " +
            f.get("field") + " " + value(f.get("a")) + " -> " + value(f.get("b"));
    }

    private static String rows(final Map<String, Object> s, final long a, final long b)
    {
        final long differing = ((Number)s.get("differing")).longValue();
        if (differing == 0)
        {
            return "equal (" + value(s.get("rows_a")) + " rows)";
        }
        final StringBuilder out = new StringBuilder().append(value(differing)).append(" rows differ (run ").append(a).append(": ")
            .append(value(s.get("rows_a"))).append(" rows, ").append(value(s.get("only_in_a"))).append(" only there; run ").append(b).append(": ")
            .append(value(s.get("rows_b"))).append(" rows, ").append(value(s.get("only_in_b"))).append(" only there)");
        @SuppressWarnings("unchecked")
        final Map<String, Object> f = (Map<String, Object>)s.get("first");
        if (f != null)
        {
            out.append("; first at ").append(f.get("ts")).append(' ').append(f.get("provider")).append(':').append(f.get("symbol")).append(": ")
                .append(f.get("field")).append(' ').append(value(f.get("a"))).append(" -> ").append(value(f.get("b")));
        }
        return out.toString();
    }

    /** Counts with thousands separators, absent values as {@code none}, lists comma-separated. */
    static String value(final Object v)
    {
        if (v == null)
        {
            return "none";
        }
        if (v instanceof Long || v instanceof Integer)
        {
            return String.format(Locale.ROOT, "%,d", ((Number)v).longValue());
        }
        if (v instanceof List<?> l)
        {
            return "[" + String.join(", ", l.stream().map(DiffText::value).toList()) + "]";
        }
        return String.valueOf(v);
    }
}
