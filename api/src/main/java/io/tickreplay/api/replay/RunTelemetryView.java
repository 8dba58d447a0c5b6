package io.tickreplay.api.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tickreplay.adapters.postgres.ReplayTelemetryStore;
import io.tickreplay.api.job.JobLifecycle;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Optional;

/**
 * What the cockpit draws of a run: live from the run while this process runs it, else as saved when
 * it ended ({@code replay_telemetry}).
 *
 * @param live     the run is active in this process
 * @param timeline the run's samples of progress over time
 * @param latency  percentiles per stage (without the histograms themselves)
 */
public record RunTelemetryView(boolean live, JsonNode timeline, JsonNode latency)
{
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads the telemetry of runs, live or saved. Thread-safe. */
    static final class Reader
    {
        private final JobLifecycle<ReplayRun> lifecycle;
        private final ReplayTelemetryStore store;

        Reader(final JobLifecycle<ReplayRun> lifecycle, final ReplayTelemetryStore store)
        {
            this.lifecycle = lifecycle;
            this.store = store;
        }

        /** Empty when this process does not run it and nothing was saved (an unknown run, or one that ended before telemetry existed). */
        Optional<RunTelemetryView> find(final long runId) throws SQLException, IOException
        {
            final Optional<ReplayRun> active = lifecycle.active(runId);
            if (active.isPresent())
            {
                final RunTelemetry t = active.get().telemetry();
                return Optional.of(new RunTelemetryView(true, JSON.valueToTree(t.timeline()), JSON.valueToTree(t.latency(false))));
            }
            final Optional<ReplayTelemetryStore.Telemetry> saved = store.find(runId);
            if (saved.isEmpty())
            {
                return Optional.empty();
            }
            final ObjectNode latency = (ObjectNode)JSON.readTree(saved.get().latency());
            latency.forEach(stage -> ((ObjectNode)stage).remove("hdr"));
            return Optional.of(new RunTelemetryView(false, JSON.readTree(saved.get().timeline()), latency));
        }

        /** A stage's latency distribution of the run as an {@code .hgrm} (microseconds); empty when there is none. */
        Optional<String> hgrm(final long runId, final String stage) throws SQLException, IOException
        {
            final Optional<ReplayRun> active = lifecycle.active(runId);
            if (active.isPresent())
            {
                return Optional.ofNullable(active.get().telemetry().total(stage)).map(RunTelemetry::hgrm);
            }
            final Optional<ReplayTelemetryStore.Telemetry> saved = store.find(runId);
            if (saved.isEmpty())
            {
                return Optional.empty();
            }
            final JsonNode hdr = JSON.readTree(saved.get().latency()).path(stage).path("hdr");
            return hdr.isTextual() ? Optional.of(RunTelemetry.hgrm(RunTelemetry.decode(hdr.asText()))) : Optional.empty();
        }
    }
}
