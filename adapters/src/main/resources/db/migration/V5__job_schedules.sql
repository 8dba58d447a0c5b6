-- Scheduled replays (docs/schedules.md): a cron expression in an IANA zone, the replay to start (the body of
-- POST /v1/replay/ticks without start and end) and its window (fixed, or relative to the fire time). serve's
-- scheduler claims a due fire by moving next_fire_at with a compare-and-set on its old value, so that two
-- serve processes on one database never both start it. last_run_id is the schedule's latest tick_replay job.
CREATE TABLE IF NOT EXISTS job_schedules (
    id            bigserial   PRIMARY KEY,
    name          text        NOT NULL UNIQUE,
    cron          text        NOT NULL,
    zone          text        NOT NULL,
    request       jsonb       NOT NULL,
    time_window   jsonb       NOT NULL,
    misfire       text        NOT NULL DEFAULT 'run_once' CHECK (misfire IN ('run_once', 'skip')),
    next_fire_at  timestamptz NOT NULL,
    last_fire_at  timestamptz,
    last_run_id   bigint,
    last_outcome  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
