package io.tickreplay.api.replay;

/**
 * A replay that cannot start for want of room: {@code replay.max-concurrent} runs are going, or the run
 * would hold more heap than its share ({@link RunMemory}); nothing was started. The API's 429.
 */
public final class ReplayLimitException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ReplayLimitException(final int limit)
    {
        super(limit + " replays are already running (replay.max-concurrent = " + limit + "): wait for one to end or cancel one");
    }

    public ReplayLimitException(final String message)
    {
        super(message);
    }
}
