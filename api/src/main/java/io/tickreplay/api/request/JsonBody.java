package io.tickreplay.api.request;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickreplay.adapters.files.TimestampParser;
import io.tickreplay.engine.tick.Micros;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A request's JSON object, read field by field with its type checked: every mistake is an
 * {@link InvalidRequest} naming the field (400 on the API). Fields the request does not take are
 * refused. Read by the routes, and by the services that keep a body to read later (a schedule's replay).
 */
public final class JsonBody
{
    private final ObjectNode node;

    public JsonBody(final JsonNode node, final Set<String> allowed)
    {
        if (node == null || !node.isObject())
        {
            throw new InvalidRequest(null, "the body must be a JSON object");
        }
        this.node = (ObjectNode)node;
        final Iterator<String> names = node.fieldNames();
        while (names.hasNext())
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw new InvalidRequest(name, "unknown field '" + name + "'; this route takes " + allowed.stream().sorted().toList());
            }
        }
    }

    /** The object itself, for a route that hands it on whole (a schedule keeps a replay's body). */
    public JsonNode node()
    {
        return node;
    }

    public boolean has(final String field)
    {
        return node.hasNonNull(field);
    }

    public String string(final String field)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isTextual())
        {
            throw new InvalidRequest(field, field + " must be a string, was " + v.getNodeType().name().toLowerCase());
        }
        return v.textValue();
    }

    public List<String> strings(final String field)
    {
        return array(field, "strings", JsonNode::isTextual, JsonNode::textValue, e -> "it holds a " + e.getNodeType().name().toLowerCase());
    }

    /** An array whose every element {@code fits}, read by {@code value}; {@code what} names the element kind in errors. */
    private <T> List<T> array(final String field, final String what, final Predicate<JsonNode> fits,
        final Function<JsonNode, T> value, final Function<JsonNode, String> misfit)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isArray())
        {
            throw new InvalidRequest(field, field + " must be an array of " + what + ", was " + v.getNodeType().name().toLowerCase());
        }
        final List<T> out = new ArrayList<>(v.size());
        for (final JsonNode e : v)
        {
            if (!fits.test(e))
            {
                throw new InvalidRequest(field, field + " must be an array of " + what + "; " + misfit.apply(e));
            }
            out.add(value.apply(e));
        }
        return out;
    }

    /**
     * An array of objects, each read as a body of its own with {@code allowed} fields; a mistake in one
     * is a 400 naming {@code field} and saying which element ({@code sources[1]: ...}).
     */
    public List<JsonBody> objects(final String field, final Set<String> allowed)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isArray())
        {
            throw new InvalidRequest(field, field + " must be an array of objects, was " + v.getNodeType().name().toLowerCase());
        }
        final List<JsonBody> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++)
        {
            try
            {
                out.add(new JsonBody(v.get(i), allowed));
            }
            catch (final InvalidRequest e)
            {
                throw new InvalidRequest(field, field + "[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    /** Reads this element of array {@code field} with {@code read}; a mistake is named as {@code field} and the element's index. */
    public <T> T in(final String field, final int index, final Function<JsonBody, T> read)
    {
        try
        {
            return read.apply(this);
        }
        catch (final InvalidRequest e)
        {
            throw new InvalidRequest(field, field + "[" + index + "]: " + e.getMessage());
        }
    }

    /** An array of strings, or one string (for {@code "all"} / {@code "none"}). */
    public List<String> stringOrStrings(final String field)
    {
        final JsonNode v = node.get(field);
        return v != null && v.isTextual() ? List.of(v.textValue()) : strings(field);
    }

    /** An array of whole numbers that fit an int (a feature set's horizons). */
    public List<Integer> integers(final String field)
    {
        return array(field, "integers", e -> e.isIntegralNumber() && e.canConvertToInt(), JsonNode::intValue, e -> "it holds " + e);
    }

    public Double number(final String field)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isNumber())
        {
            throw new InvalidRequest(field, field + " must be a number, was " + v.getNodeType().name().toLowerCase());
        }
        return v.doubleValue();
    }

    public Long integer(final String field)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong())
        {
            throw new InvalidRequest(field, field + " must be an integer, was " + v.getNodeType().name().toLowerCase());
        }
        return v.longValue();
    }

    public Boolean bool(final String field)
    {
        final JsonNode v = node.get(field);
        if (v == null || v.isNull())
        {
            return null;
        }
        if (!v.isBoolean())
        {
            throw new InvalidRequest(field, field + " must be true or false, was " + v.getNodeType().name().toLowerCase());
        }
        return v.booleanValue();
    }

    public Instant time(final String field)
    {
        return time(field, string(field));
    }

    private static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("+10000-01-01T00:00:00Z");

    /** Times PostgreSQL and ISO-8601 both handle: years 1900 to 9999. */
    public static void checkYear(final String field, final Instant t)
    {
        if (t.isBefore(EARLIEST) || !t.isBefore(LATEST))
        {
            throw new InvalidRequest(field, field + " must be between the years 1900 and 9999, was " + t);
        }
    }

    /** ISO-8601 (no offset = UTC), as the seed's times are. */
    public static Instant time(final String field, final String value)
    {
        if (value == null)
        {
            return null;
        }
        if (value.isBlank() || value.matches("[+-]?[0-9]+(\\.[0-9]*)?([eE][+-]?[0-9]+)?"))
        {
            throw new InvalidRequest(field, field + " must be an ISO-8601 time such as 2025-11-03T14:00:00Z, was '" + value + "'");
        }
        if (value.matches("[+-].*|[0-9]{5,}-.*"))
        {
            // a signed or five-digit year: far outside the range, and past what microseconds since 1970 can hold
            throw new InvalidRequest(field, field + " must be between the years 1900 and 9999, was '" + value + "'");
        }
        final Instant t;
        try
        {
            t = Micros.toInstant(TimestampParser.parseMicros(value));
        }
        catch (final IllegalArgumentException | ArithmeticException e)
        {
            throw new InvalidRequest(field, field + " must be an ISO-8601 time such as 2025-11-03T14:00:00Z: " + e.getMessage());
        }
        checkYear(field, t);
        return t;
    }
}
