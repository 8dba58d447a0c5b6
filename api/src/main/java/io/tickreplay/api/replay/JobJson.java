package io.tickreplay.api.replay;

import io.tickreplay.adapters.postgres.JobRunStore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** A job row as the seed's JSON: exactly its fields, in its order, timestamps ISO-8601 UTC. */
public final class JobJson
{
    private JobJson()
    {
    }

    public static Map<String, Object> of(final JobRunStore.JobRun job)
    {
        final Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", job.id());
        m.put("job_name", job.jobName());
        m.put("provider", job.provider());
        m.put("status", job.status());
        m.put("symbols", job.symbols());
        m.put("rows_written", job.rowsWritten());
        m.put("min_ts", iso(job.minTs()));
        m.put("max_ts", iso(job.maxTs()));
        m.put("started_at", iso(job.startedAt()));
        m.put("completed_at", iso(job.completedAt()));
        m.put("error_message", job.errorMessage());
        m.put("metadata", job.metadata());
        return m;
    }

    private static String iso(final Instant instant)
    {
        return instant == null ? null : instant.toString();
    }
}
