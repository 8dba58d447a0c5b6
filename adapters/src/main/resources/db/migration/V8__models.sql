-- Models (docs/models.md): the registry, one row per model name. An ONNX model's file is kept under the
-- models directory by its sha256 (content-addressed: two names may share one file); an online-linear
-- model has no file, its parameters (lambda, delta) are in parameters. features are the feature-row
-- columns it reads, in order; bar_interval and horizon say which bars it predicts and how far ahead.
CREATE TABLE IF NOT EXISTS models (
    name           text        PRIMARY KEY,
    type           text        NOT NULL CHECK (type IN ('onnx', 'online-linear')),
    version        bigint      NOT NULL DEFAULT 1,
    sha256         text,
    features       text[]      NOT NULL,
    bar_interval   text        NOT NULL CHECK (bar_interval IN ('1m', '5m', '1h')),
    horizon        integer     NOT NULL CHECK (horizon >= 1),
    parameters     jsonb       NOT NULL DEFAULT '{}',
    training_start timestamptz,
    training_end   timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((type = 'onnx') = (sha256 IS NOT NULL))
);

-- Model scores (spec: rolling ic, hit_rate, mse, count per model, run and symbol), one row per bar whose
-- close delivered a label; run 0 is the live pipeline, as in signal_rows.
CREATE TABLE IF NOT EXISTS model_scores (
    model     text             NOT NULL,
    run_id    bigint           NOT NULL,
    provider  text             NOT NULL,
    symbol    text             NOT NULL,
    ts        timestamptz      NOT NULL,
    metric    text             NOT NULL CHECK (metric IN ('ic', 'hit_rate', 'mse', 'count')),
    value     double precision NOT NULL,
    PRIMARY KEY (model, run_id, provider, symbol, metric, ts)
);
CREATE INDEX IF NOT EXISTS model_scores_run ON model_scores (run_id);

-- The weights of a model that learns during a run (online-linear: the intercept first, then one per feature),
-- after each update, at the ts (start) of the bar whose close brought the label: `export model-weights`.
CREATE TABLE IF NOT EXISTS model_weights (
    model     text               NOT NULL,
    run_id    bigint             NOT NULL,
    provider  text               NOT NULL,
    symbol    text               NOT NULL,
    ts        timestamptz        NOT NULL,
    weights   double precision[] NOT NULL,
    PRIMARY KEY (model, run_id, provider, symbol, ts)
);
