package io.tickreplay.api.http;

/**
 * A request the API refuses: the HTTP status and the {@code {"error": ..., "field": ...}} body,
 * {@code field} naming what is wrong when one thing is (null otherwise).
 */
public final class ApiError extends RuntimeException
{
    private static final long serialVersionUID = 1L;
    private final int status;
    private final String field;

    public ApiError(final int status, final String field, final String message)
    {
        super(message);
        this.status = status;
        this.field = field;
    }

    public static ApiError badRequest(final String field, final String message)
    {
        return new ApiError(400, field, message);
    }

    public static ApiError notFound(final String field, final String message)
    {
        return new ApiError(404, field, message);
    }

    public int status()
    {
        return status;
    }

    public String field()
    {
        return field;
    }
}
