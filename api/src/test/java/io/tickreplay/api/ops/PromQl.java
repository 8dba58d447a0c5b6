package io.tickreplay.api.ops;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression (as a Grafana target writes it) selects: its identifiers that
 * are not functions or aggregations (followed by {@code (}), keywords, label names (inside
 * {@code {...}} or a {@code by/without/on/ignoring/group_left/group_right (...)} list), Grafana
 * variables ({@code $__rate_interval}, {@code $run_id}, {@code ${x}}), string literals, numbers or
 * durations. Enough of PromQL for dashboards; not a parser.
 */
final class PromQl
{
    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^{}]*\\}");
    private static final Pattern RANGE = Pattern.compile("\\[[^\\[\\]]*\\]");
    private static final Pattern GROUPING = Pattern.compile("\\b(?i:by|without|on|ignoring|group_left|group_right)\\s*\\([^()]*\\)");
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{[^}]*\\}|\\$\\w+|\\[\\[[^\\]]*\\]\\]");
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w:])(?:0[xX][0-9a-fA-F]+|\\d[\\d.]*(?:[eE][+-]?\\d+)?[a-zA-Z0-9_]*|\\.\\d+(?:[eE][+-]?\\d+)?)");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern CALL = Pattern.compile("\\s*\\(");

    /** Keywords and aggregation operators; functions are recognised by the {@code (} that follows them. */
    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "and", "or",
        "unless", "atan2", "inf", "nan", "sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk",
        "quantile", "limitk", "limit_ratio");

    private PromQl()
    {
    }

    /** The metric names {@code expr} selects, sorted. */
    static Set<String> metricNames(final String expr)
    {
        String s = STRING.matcher(expr).replaceAll(" ");
        s = VARIABLE.matcher(s).replaceAll(" ");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        s = NUMBER.matcher(s).replaceAll(" ");
        final Set<String> names = new TreeSet<>();
        final Matcher m = IDENTIFIER.matcher(s);
        while (m.find())
        {
            final String name = m.group();
            if (KEYWORDS.contains(name.toLowerCase(Locale.ROOT)) || CALL.matcher(s).region(m.end(), s.length()).lookingAt())
            {
                continue;
            }
            names.add(name);
        }
        return names;
    }

    /** The range selectors of {@code expr} ({@code [5m]}, {@code [$__rate_interval]}, {@code [10m:1m]}), without their brackets. */
    static java.util.List<String> ranges(final String expr)
    {
        final String s = STRING.matcher(expr).replaceAll(" ");
        final java.util.List<String> out = new java.util.ArrayList<>();
        final Matcher m = RANGE.matcher(s);
        while (m.find())
        {
            out.add(m.group().substring(1, m.group().length() - 1).trim());
        }
        return out;
    }

    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)?\\s*\\{([^{}]*)\\}");
    private static final Pattern EXACT = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*=\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern BY = Pattern.compile("\\bby\\s*\\(([^()]*)\\)");

    /** The {@code label="value"} matchers of {@code expr} whose value holds no variable ({@code =~}, {@code !=}, {@code !~} are not exact). */
    static java.util.List<java.util.Map.Entry<String, String>> exactMatchers(final String expr)
    {
        final java.util.List<java.util.Map.Entry<String, String>> out = new java.util.ArrayList<>();
        final Matcher selector = SELECTOR.matcher(expr);
        while (selector.find())
        {
            final Matcher m = EXACT.matcher(selector.group(2));
            while (m.find())
            {
                if (!m.group(2).contains("$"))
                {
                    out.add(java.util.Map.entry(m.group(1), m.group(2)));
                }
            }
        }
        return out;
    }

    /** The labels of the {@code by (...)} clauses of {@code expr} (not {@code without}, {@code on}, ...). */
    static Set<String> groupingLabels(final String expr)
    {
        final Set<String> out = new TreeSet<>();
        final Matcher m = BY.matcher(STRING.matcher(expr).replaceAll(" "));
        while (m.find())
        {
            for (final String label : m.group(1).split(","))
            {
                if (!label.isBlank())
                {
                    out.add(label.trim());
                }
            }
        }
        return out;
    }
}
