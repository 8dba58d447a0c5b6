package io.tickreplay.adapters.postgres;

import java.time.Instant;

/**
 * SQL literals for the statements that cannot take bind parameters (a {@code COPY (...) TO STDOUT}
 * query, a {@code SET}): a string in single quotes with each quote doubled, and a
 * {@code timestamptz} from an {@link Instant}. A NUL character is refused rather than quoted:
 * PostgreSQL text cannot hold one, and a driver or server that cut the string there would end the
 * literal early. Stateless; any thread.
 */
public final class SqlLiteral
{
    private SqlLiteral()
    {
    }

    /** {@code s} as a quoted string literal; throws {@link IllegalArgumentException} on a NUL character. */
    public static String quote(final String s)
    {
        if (s.indexOf('\u0000') >= 0)
        {
            throw new IllegalArgumentException("NUL character in " + s);
        }
        return "'" + s.replace("'", "''") + "'";
    }

    /** {@code t} as a {@code timestamptz} literal, in UTC with microseconds as ISO-8601 writes them. */
    public static String timestamptz(final Instant t)
    {
        return "'" + t + "'::timestamptz";
    }
}
