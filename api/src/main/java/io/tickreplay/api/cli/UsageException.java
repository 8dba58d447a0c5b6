package io.tickreplay.api.cli;

/** Bad arguments found after parsing (a value out of range, a flag the input needs): exit code 2. */
public final class UsageException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public UsageException(final String message)
    {
        super(message);
    }
}
