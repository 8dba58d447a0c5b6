package io.tickreplay.api.replay;

import io.tickreplay.engine.tick.Micros;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A source of a replay over several, resolved: its symbols (a Parquet source's as found in its files
 * when it named none), its files in name order (Parquet), and where its reading starts (its warm-up).
 */
record PlannedSource(ReplaySource spec, List<String> symbols, List<Path> files, long warmFromMicros)
{
    /** As the job's metadata and the journal's manifest show it: what was asked, and what it resolved to. */
    Map<String, Object> describe()
    {
        final Map<String, Object> m = new LinkedHashMap<>(spec.describe());
        m.put("symbols", symbols);
        if (spec.isParquet())
        {
            m.put("files", files.stream().map(f -> f.toAbsolutePath().toString()).toList());
        }
        m.put("warmup_from", warmFromMicros == Long.MIN_VALUE ? "the files' first tick" : Micros.toInstant(warmFromMicros).toString());
        return m;
    }
}
