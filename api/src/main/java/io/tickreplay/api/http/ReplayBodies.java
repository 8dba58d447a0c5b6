package io.tickreplay.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tickreplay.api.replay.ReplayRequest;

/**
 * The body of {@code POST /v1/replay/ticks} read into a {@link ReplayRequest} outside a request: a scheduled
 * replay stores that body and has it read by the very parser the route uses, so every field the replay API
 * takes, now and later, works in a schedule. Stateless.
 */
public final class ReplayBodies
{
    private ReplayBodies()
    {
    }

    /**
     * Reads {@code body}; a mistake is an {@link ApiError} 400 naming the field, as the route would answer.
     * {@code importDir}: where the Parquet files of its {@code sources} must lie ({@code replay.import-dir}).
     */
    public static ReplayRequest parse(final JsonNode body, final java.nio.file.Path importDir)
    {
        return ReplayRoutes.request(body, importDir);
    }
}
