package io.tickreplay.adapters.sink;

import java.util.List;

/**
 * The {@code metadata} JSON of a signal row, the same wherever the row goes (table, CSV, Parquet):
 * {@code origin}, {@code replay_run_id} when there is a run, and the calculator's explaining
 * numbers by their {@link io.tickreplay.engine.signals.SignalCalculator#metadataKeys() keys}
 * (non-finite ones left out).
 */
public final class SignalMetadata
{
    /**
     * How much metadata a signals writer stores ({@code signals.metadata}): {@code full} (origin, run id
     * and the explaining numbers), {@code run} (only {@code origin} and {@code replay_run_id}, which the
     * seed's queries use) or {@code none} (NULL). JSONB parsing is a large part of PostgreSQL's ingest.
     */
    public enum Mode
    {
        FULL, RUN, NONE;

        public static Mode parse(final String name)
        {
            for (final Mode m : values())
            {
                if (m.name().equalsIgnoreCase(name))
                {
                    return m;
                }
            }
            throw new IllegalArgumentException("signals.metadata must be full, run or none, was '" + name + "'");
        }
    }

    private SignalMetadata()
    {
    }

    /** Appends the JSON object to {@code out} (reused by the caller: no allocation but the numbers' text). */
    public static StringBuilder append(final StringBuilder out, final String origin, final long runId, final List<String> keys, final double m1,
        final double m2, final double m3)
    {
        out.append("{\"origin\":\"").append(origin).append('"');
        if (runId > 0)
        {
            out.append(",\"replay_run_id\":").append(runId);
        }
        number(out, keys, 0, m1);
        number(out, keys, 1, m2);
        number(out, keys, 2, m3);
        return out.append('}');
    }

    private static void number(final StringBuilder out, final List<String> keys, final int i, final double v)
    {
        if (i < keys.size() && Double.isFinite(v))
        {
            out.append(",\"").append(keys.get(i)).append("\":").append(v);
        }
    }
}
