-- Monitoring the model once it is used (issue 21, `cohort monitor`): what each weekly run's model
-- predicted for everyone it scored, and how many people fell in each feature's fine bins (the model's
-- own split points), written in the run's transaction; the training data's counts in the same bins,
-- made once per model; and each monitoring report, for the board pack. A rules-alone run records
-- nothing. At force scale a run scores a few hundred thousand people, 52 runs a year: the per-person
-- table keeps compact types and no index, and what is the same for the whole run is kept once.

CREATE TABLE scoring.prediction_run (
    run_id INTEGER PRIMARY KEY,            -- lists.run (superseded with it, never overwritten)
    as_of DATE NOT NULL,
    model_version VARCHAR NOT NULL,        -- scoring.model
    scored INTEGER NOT NULL,               -- people scored: everyone the list could consider
    listed INTEGER NOT NULL,
    within_capacity INTEGER NOT NULL,
    capacity INTEGER NOT NULL,             -- lists/settings.yaml capacity as used
    recorded_at TIMESTAMP NOT NULL
);

CREATE TABLE scoring.prediction (
    run_id INTEGER NOT NULL,               -- scoring.prediction_run
    person_id BIGINT NOT NULL,             -- link.person at the run's linkage run
    probability FLOAT NOT NULL,            -- calibrated, over the model's outcome horizon
    margin FLOAT NOT NULL,                 -- the model's log-odds: ranks people sharing a probability
    band VARCHAR,
    age UTINYINT,                          -- at as_of
    listed BOOLEAN NOT NULL,               -- on the run's list
    within_capacity BOOLEAN NOT NULL
);

CREATE TABLE scoring.feature_summary (    -- people per feature and fine bin, per run (non-empty bins)
    run_id INTEGER NOT NULL,
    feature VARCHAR NOT NULL,
    bin SMALLINT NOT NULL,                 -- -1: missing; i: above split point i-1, at most split point i
    upper DOUBLE,                          -- split point i (NULL for the last bin and for missing)
    people INTEGER NOT NULL,
    PRIMARY KEY (run_id, feature, bin)
);

CREATE TABLE scoring.feature_reference (  -- the model's training snapshots in the same fine bins
    model_version VARCHAR NOT NULL,
    feature VARCHAR NOT NULL,
    bin SMALLINT NOT NULL,
    upper DOUBLE,
    people INTEGER NOT NULL,
    snapshots VARCHAR NOT NULL,            -- JSON: the training as_of dates counted
    made_at TIMESTAMP NOT NULL,
    PRIMARY KEY (model_version, feature, bin)
);

CREATE TABLE scoring.monitor_report (
    report_id INTEGER PRIMARY KEY,
    made_at TIMESTAMP NOT NULL,
    made_by VARCHAR NOT NULL,
    as_at DATE NOT NULL,                   -- outcomes counted up to this day (the data held, or --as-of)
    runs INTEGER NOT NULL,
    alerts INTEGER NOT NULL,
    document VARCHAR NOT NULL,             -- JSON: cohort.monitoring/1 (no person identifiers)
    path VARCHAR NOT NULL,                 -- the HTML report
    sha256 VARCHAR NOT NULL                -- of the HTML report
);
