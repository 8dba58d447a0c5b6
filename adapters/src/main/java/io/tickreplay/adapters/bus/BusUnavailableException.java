package io.tickreplay.adapters.bus;

/** A bus (Kafka, Redis) that could not be reached: the message names the URL and what went wrong, in one line. */
public final class BusUnavailableException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public BusUnavailableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
