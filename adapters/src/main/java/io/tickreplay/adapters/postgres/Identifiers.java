package io.tickreplay.adapters.postgres;

import java.util.regex.Pattern;

/**
 * The one rule for the names that key the tables (providers, symbols): 1 to 64 letters, digits or
 * {@code ._:/^=@#$&+-}, starting with a letter or digit. The API checks requests with it, and the
 * exporter checks its query with it again because those names go into its COPY statement as
 * literals ({@link SqlLiteral}): whoever builds the query, nothing outside the rule reaches the SQL.
 * Stateless; any thread.
 */
public final class Identifiers
{
    /** The rule in words, for error messages. */
    public static final String RULE = "1-64 letters, digits or ._:/^=@#$&+- starting with a letter or digit";

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/^=@#$&+-]{0,63}");

    private Identifiers()
    {
    }

    /** True when {@code name} is not null and follows the rule. */
    public static boolean isValid(final String name)
    {
        return name != null && IDENTIFIER.matcher(name).matches();
    }
}
