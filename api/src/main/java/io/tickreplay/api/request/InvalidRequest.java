package io.tickreplay.api.request;

/**
 * A request the service refuses, naming the field that is wrong ({@code null} when no one field is):
 * the HTTP API answers it with 400 and {@code {"error": ..., "field": ...}}, the CLI with exit code 2.
 * Thrown by {@link JsonBody} and by every service that checks what it is asked.
 */
public class InvalidRequest extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidRequest(final String field, final String message)
    {
        super(message);
        this.field = field;
    }

    public String field()
    {
        return field;
    }
}
