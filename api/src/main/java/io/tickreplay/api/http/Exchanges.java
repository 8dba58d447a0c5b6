package io.tickreplay.api.http;

import io.tickreplay.api.request.JsonBody;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tickreplay.adapters.postgres.JobRunStore;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What every route does with its exchange: read the JSON body (capped, typed, unknown fields
 * refused), the path's ids and the query's parameters (unknown ones refused), and answer with JSON,
 * an error as {@code {"error": ..., "field": ...}}. Every mistake is an {@link ApiError} naming the
 * field. Stateless; called on Undertow's worker threads, and for the refusals decided from the
 * headers ({@link #error}) on its I/O threads.
 */
final class Exchanges
{
    /** Trailing tokens refused; a field named twice refused (JSON leaves it open; Jackson would keep the last). */
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    static final String JSON_TYPE = "application/json";
    private static final int MAX_LIST = 1000;

    private Exchanges()
    {
    }

    static void error(final HttpServerExchange exchange, final int status, final String field, final String message)
    {
        if (exchange.isResponseStarted())
        {
            exchange.endExchange();
            return;
        }
        send(exchange, status, object("error", HttpPolicy.trusted(exchange) ? message : Disclosure.text(message), "field", field));
    }

    static void send(final HttpServerExchange exchange, final int status, final Object body)
    {
        final byte[] bytes;
        try
        {
            bytes = JSON.writeValueAsBytes(body);
        }
        catch (final JsonProcessingException e)
        {
            throw new IllegalStateException(e);
        }
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON_TYPE);
        exchange.getResponseSender().send(ByteBuffer.wrap(bytes));
    }

    /** A JSON object with these keys and values, in this order (a value may be null). */
    static Map<String, Object> object(final Object... keysAndValues)
    {
        final Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            out.put((String)keysAndValues[i], keysAndValues[i + 1]);
        }
        return out;
    }

    /**
     * The JSON object of the request's body ({@link BodyReader} read it, capped; {@link HttpPolicy}
     * checked its type): malformed JSON, a field given twice or one the route does not know is a 400.
     */
    static JsonBody body(final HttpServerExchange exchange, final Set<String> allowed)
    {
        final byte[] bytes = BodyReader.body(exchange);
        if (bytes.length == 0)
        {
            throw ApiError.badRequest(null, "the body is empty: a JSON object is expected");
        }
        final JsonNode node;
        try
        {
            node = JSON.readTree(bytes);
        }
        catch (final JsonParseException e)
        {
            final JsonParser parser = e.getProcessor();
            if (e.getOriginalMessage().startsWith("Duplicate field") && parser != null)
            {
                // which field was given twice: the first name of the parser's path (the body's own field)
                final String path = parser.getParsingContext().pathAsPointer().toString();
                final String field = path.substring(1).split("/", 2)[0].replace("~1", "/").replace("~0", "~");
                throw ApiError.badRequest(field, "the body gives " + (path.indexOf('/', 1) > 0 ? "the field at " + path : field) +
                    " more than once: each field is named once");
            }
            throw ApiError.badRequest(null, "the body is not valid JSON: " + plain(e.getOriginalMessage()));
        }
        catch (final StreamConstraintsException e)
        {
            // Jackson's words name its own classes and settings: say what is wrong with the body instead
            throw ApiError.badRequest(null, "the body nests or runs longer than a request may (" +
                (e.getMessage().contains("nesting depth") ? "more than " + StreamReadConstraints.DEFAULT_MAX_DEPTH + " levels of nesting" : "a value too long") + ")");
        }
        catch (final IOException e)
        {
            throw ApiError.badRequest(null, "the body is not valid JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        return new JsonBody(node, allowed);
    }

    /** A parser's message without what names its internals ({@code (StreamReadConstraints.getMaxNestingDepth())} and the like). */
    private static String plain(final String message)
    {
        // "(... from `StreamReadConstraints.getMaxNumberLength()`)": a parenthesis that quotes a Java method
        return message == null ? "" : message.replaceAll("\\s*\\([^()]*`[A-Za-z.]+\\(\\)`[^()]*\\)", "");
    }

    /** A parameter of the route's path template ({@code {run_id}}). */
    static String param(final HttpServerExchange exchange, final String name)
    {
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        return match == null ? null : match.getParameters().get(name);
    }

    /** The path's {@code name} as an id: a positive integer. */
    static long id(final HttpServerExchange exchange, final String name)
    {
        final String v = param(exchange, name);
        try
        {
            final long id = Long.parseLong(v);
            if (id < 1)
            {
                throw new NumberFormatException();
            }
            return id;
        }
        catch (final NumberFormatException e)
        {
            throw ApiError.badRequest(name, name + " must be a positive integer, was '" + v + "'");
        }
    }

    /** Query parameters, checked against what the route knows. */
    static Map<String, String> query(final HttpServerExchange exchange, final Set<String> allowed)
    {
        final Map<String, String> out = new LinkedHashMap<>();
        final PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        final Set<String> templated = match == null ? Set.of() : match.getParameters().keySet();
        for (final Map.Entry<String, Deque<String>> e : exchange.getQueryParameters().entrySet())
        {
            if (templated.contains(e.getKey()))
            {
                continue; // the routing puts the path's parameters among the query's
            }
            if (!allowed.contains(e.getKey()))
            {
                throw ApiError.badRequest(e.getKey(), "unknown query parameter '" + e.getKey() + "'; this route takes " + allowed.stream().sorted().toList());
            }
            if (e.getValue().size() > 1)
            {
                throw ApiError.badRequest(e.getKey(), e.getKey() + " is given more than once");
            }
            out.put(e.getKey(), e.getValue().getFirst());
        }
        return out;
    }

    static int limit(final Map<String, String> q, final int defaultLimit, final int max)
    {
        return (int)integer(q, "limit", defaultLimit, 1, max);
    }

    static long integer(final Map<String, String> q, final String name, final long otherwise, final long min, final long max)
    {
        final String v = q.get(name);
        if (v == null)
        {
            return otherwise;
        }
        try
        {
            final long n = Long.parseLong(v);
            if (n < min || n > max)
            {
                throw new NumberFormatException();
            }
            return n;
        }
        catch (final NumberFormatException e)
        {
            throw ApiError.badRequest(name, name + " must be an integer in [" + min + ", " + max + "], was '" + v + "'");
        }
    }

    /** The JSON of a page of jobs, an object per job in the page's order: what a route adds to each it may read for the page at once. */
    @FunctionalInterface
    interface PageJson
    {
        List<Map<String, Object>> of(List<JobRunStore.JobRun> page) throws SQLException;

        static PageJson each(final Function<JobRunStore.JobRun, Map<String, Object>> json)
        {
            return page -> page.stream().map(json).toList();
        }
    }

    /**
     * A page of {@code jobName}'s jobs under {@code key}, newest first, filtered by the query's
     * {@code status} and {@code provider}; {@code next_offset} is null on the last page.
     */
    static void sendJobs(final HttpServerExchange exchange, final JobRunStore jobs, final String jobName, final String key,
        final PageJson json) throws SQLException
    {
        final Map<String, String> q = query(exchange, Set.of("status", "provider", "limit", "offset"));
        final String status = q.get("status");
        if (status != null && !List.of("running", "paused", "completed", "failed", "cancelled").contains(status))
        {
            throw ApiError.badRequest("status", "status must be running, paused, completed, failed or cancelled, was '" + status + "'");
        }
        final int limit = limit(q, 50, MAX_LIST);
        final int offset = (int)integer(q, "offset", 0, 0, Integer.MAX_VALUE);
        final List<Map<String, Object>> items = new ArrayList<>();
        // one more than the page: whether there is a next one, without a count
        for (final Map<String, Object> job : json.of(jobs.list(jobName, status, q.get("provider"), limit + 1, offset)))
        {
            items.add(Disclosure.job(exchange, job));
        }
        final boolean more = items.size() > limit;
        send(exchange, 200, object(key, more ? items.subList(0, limit) : items, "limit", limit, "offset", offset, "next_offset", more ? offset + limit : null));
    }
}
