package io.tickreplay.api.replay;

/** More replays were asked for than {@code replay.max-concurrent} allows; nothing was started. */
public final class ReplayLimitException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    public ReplayLimitException(final int limit)
    {
        super(limit + " replays are already running (replay.max-concurrent = " + limit + "): wait for one to end or cancel one");
    }
}
