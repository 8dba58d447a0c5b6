-- What the cockpit draws of a replay once it has ended (docs/cockpit.md): its progress over time
-- (emission rate, lag percentiles) and its per-stage latency distributions, each with the HdrHistogram
-- itself (compressed, base64) so that a finished run's .hgrm can be downloaded. Written when the run ends.
CREATE TABLE IF NOT EXISTS replay_telemetry (
    run_id      bigint      PRIMARY KEY,
    timeline    jsonb       NOT NULL,
    latency     jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
