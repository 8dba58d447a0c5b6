package io.tickreplay.api.http;

import io.undertow.server.HttpServerExchange;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a caller who is not trusted ({@link HttpPolicy#TRUSTED}: no valid token, or a server beyond
 * loopback without one) is not shown of this process: the {@code pid} and {@code host} that job
 * rows carry (for {@code failOrphans}), and absolute paths, which become relative to the working
 * directory ({@code data/exports/x.csv}) or, outside it, the bare file name. The job's own fields
 * stay as they are. Stateless; on worker and I/O threads; costs a copy of the job's map and a regex
 * pass over its texts.
 */
final class Disclosure
{
    private static final Set<String> PROCESS_FIELDS = Set.of("pid", "host");
    /** An absolute path: a '/' that starts a word, up to a space, quote, bracket, comma, colon or semicolon. */
    private static final Pattern ABSOLUTE_PATH = Pattern.compile("(?<![\\w.~/\\\\-])/[^\\s'\"`,;:()\\[\\]{}<>]+");
    /** The API's own paths, which messages quote and which are no secret. */
    private static final Pattern ROUTE = Pattern.compile("/(v1|health|metrics|openapi\\.json)(/.*)?");
    private static final Path WORK_DIR = Path.of("").toAbsolutePath();

    private Disclosure()
    {
    }

    /** A job's JSON as the caller of {@code exchange} may see it. */
    static Map<String, Object> job(final HttpServerExchange exchange, final Map<String, Object> job)
    {
        return job(HttpPolicy.trusted(exchange), job);
    }

    /** As above, for a caller known to be trusted or not (the event stream's two snapshots). */
    static Map<String, Object> job(final boolean trusted, final Map<String, Object> job)
    {
        if (trusted)
        {
            return job;
        }
        final Map<String, Object> out = new LinkedHashMap<>(job);
        out.computeIfPresent("metadata", (k, v) -> value(v, true));
        out.computeIfPresent("error_message", (k, v) -> value(v, false));
        return out;
    }

    /** {@code text} with its absolute paths relative or reduced to their file name. */
    static String text(final String text)
    {
        if (text == null || text.indexOf('/') < 0)
        {
            return text;
        }
        final Matcher m = ABSOLUTE_PATH.matcher(text);
        final StringBuilder out = new StringBuilder(text.length());
        while (m.find())
        {
            if (m.group().startsWith("//"))
            {
                m.appendReplacement(out, Matcher.quoteReplacement(m.group())); // a URL's authority (redis://host:port), not a path
                continue;
            }
            String path = m.group();
            int end = m.end();
            while (path.length() > 1 && path.endsWith("."))
            {
                path = path.substring(0, path.length() - 1); // the end of a sentence, not of the name
                end--;
            }
            m.appendReplacement(out, Matcher.quoteReplacement(ROUTE.matcher(path).matches() ? path : relative(path)));
            out.append(text, end, m.end());
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Object value(final Object v, final boolean dropProcess)
    {
        if (v instanceof String s)
        {
            return text(s);
        }
        if (v instanceof Map<?, ?> map)
        {
            final Map<Object, Object> out = new LinkedHashMap<>();
            for (final Map.Entry<?, ?> e : map.entrySet())
            {
                if (!(dropProcess && PROCESS_FIELDS.contains(String.valueOf(e.getKey()))))
                {
                    out.put(e.getKey(), value(e.getValue(), false));
                }
            }
            return out;
        }
        if (v instanceof List<?> list)
        {
            final List<Object> out = new ArrayList<>(list.size());
            for (final Object e : list)
            {
                out.add(value(e, false));
            }
            return out;
        }
        return v;
    }

    private static String relative(final String absolute)
    {
        try
        {
            final Path p = Path.of(absolute).normalize();
            if (p.startsWith(WORK_DIR) && !p.equals(WORK_DIR))
            {
                return WORK_DIR.relativize(p).toString();
            }
            final Path name = p.getFileName();
            return name == null ? "" : name.toString();
        }
        catch (final InvalidPathException e)
        {
            return "";
        }
    }
}
