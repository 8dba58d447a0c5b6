-- V1: the seed's tables. IF NOT EXISTS so that a database that already holds the Python
-- pipeline's tables is adopted as it is, data and all.

-- Ticks. Text keys use the "C" collation: byte order is the replay order of symbols on every
-- server whatever its locale, and it makes the primary-key index several times cheaper to build.
CREATE TABLE IF NOT EXISTS tick_data (
    provider  TEXT COLLATE "C" NOT NULL,
    symbol    TEXT COLLATE "C" NOT NULL,
    ts        TIMESTAMPTZ NOT NULL,
    seq       INTEGER NOT NULL,
    price     DOUBLE PRECISION NOT NULL,
    size      DOUBLE PRECISION NOT NULL,
    bid       DOUBLE PRECISION,
    ask       DOUBLE PRECISION,
    bid_size  DOUBLE PRECISION,
    ask_size  DOUBLE PRECISION,
    PRIMARY KEY (provider, symbol, ts, seq)
);

-- Signals: exactly the seed's table.
CREATE TABLE IF NOT EXISTS signals (
    provider  TEXT NOT NULL,
    symbol    TEXT NOT NULL,
    ts        TIMESTAMPTZ NOT NULL,
    name      TEXT NOT NULL,
    value     DOUBLE PRECISION NOT NULL,
    score     DOUBLE PRECISION,
    metadata  JSONB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    PRIMARY KEY (provider, symbol, ts, name)
);

CREATE TABLE IF NOT EXISTS bars_ohlcv (
    provider     TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    interval     TEXT NOT NULL,
    ts           TIMESTAMPTZ NOT NULL,
    open         DOUBLE PRECISION NOT NULL,
    high         DOUBLE PRECISION NOT NULL,
    low          DOUBLE PRECISION NOT NULL,
    close        DOUBLE PRECISION NOT NULL,
    volume       DOUBLE PRECISION NOT NULL,
    trade_count  BIGINT NOT NULL,
    vwap         DOUBLE PRECISION,
    PRIMARY KEY (provider, symbol, interval, ts)
);

CREATE TABLE IF NOT EXISTS job_runs (
    id             BIGSERIAL PRIMARY KEY,
    job_name       TEXT NOT NULL,
    provider       TEXT,
    status         TEXT NOT NULL,
    symbols        TEXT[] NOT NULL DEFAULT '{}',
    rows_written   BIGINT NOT NULL DEFAULT 0,
    min_ts         TIMESTAMPTZ,
    max_ts         TIMESTAMPTZ,
    started_at     TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    completed_at   TIMESTAMPTZ,
    error_message  TEXT,
    metadata       JSONB NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX IF NOT EXISTS job_runs_job_name_started_at_idx ON job_runs (job_name, started_at DESC);
