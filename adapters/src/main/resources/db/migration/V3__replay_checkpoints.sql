-- The last consistent position of each replay run (docs/replay.md, "Resume"): written once every writer
-- of the run (journal, signal shards, bars) has committed every tick up to it. A resumed run emits from
-- the first tick time after last_ts and continues the stream checksum from (ticks, checksum).
CREATE TABLE IF NOT EXISTS replay_checkpoints (
    run_id       bigint      PRIMARY KEY,
    last_ts      timestamptz NOT NULL,
    last_symbol  text        NOT NULL,
    last_seq     integer     NOT NULL,
    ticks        bigint      NOT NULL,
    checksum     bigint      NOT NULL,
    first_ts     timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
