-- The weekly consideration list (lists/, pipelines/weekly_run.py): each run with everything it used,
-- its entries and the people who left the list since the previous run; review decisions gain the
-- pathway an analyst settled on; the audit log gains purpose and recipients; linkage keeps the rows
-- it replaces, so a past list can be rebuilt with the identities it was built with.

CREATE TABLE lists.run (
    run_id INTEGER PRIMARY KEY,
    as_of DATE NOT NULL,
    created_at TIMESTAMP NOT NULL,         -- wall clock when the run was made (shown on its outputs)
    created_by VARCHAR NOT NULL,
    status VARCHAR NOT NULL,               -- published; superseded when a later run has the same as_of
    mode VARCHAR NOT NULL,                 -- 'rules and model' or 'rules alone' (no approved model)
    load_ids INTEGER[] NOT NULL,           -- the data loads read (meta.load)
    link_run VARCHAR,                      -- the linkage run whose identities were used (link.run)
    decisions_until BIGINT NOT NULL,       -- review decisions read: decision_id <= this (0: none)
    rules_version VARCHAR NOT NULL,        -- sha256 of the rule files
    rulebook VARCHAR NOT NULL,             -- JSON: every rule file's name and text, as used
    model_version VARCHAR,                 -- scoring.model (NULL: rules alone)
    code_version VARCHAR NOT NULL,         -- git commit ('-dirty' when the tree had changes)
    parameters VARCHAR NOT NULL,           -- JSON: lists/settings.yaml and lists/support.yaml as used
    previous_run_id INTEGER,               -- the list changes are measured against
    entries INTEGER NOT NULL,
    within_capacity INTEGER NOT NULL,
    folder VARCHAR NOT NULL,               -- where the published files are
    files VARCHAR NOT NULL                 -- JSON: published file name -> sha256
);

CREATE TABLE lists.entry (
    run_id INTEGER NOT NULL,
    person_id BIGINT NOT NULL,             -- link.person at the run's linkage run
    rank INTEGER NOT NULL,
    within_capacity BOOLEAN NOT NULL,
    route VARCHAR NOT NULL CHECK (route IN ('rule', 'model', 'both')),
    probability DOUBLE,                    -- calibrated; NULL on a rules-alone run
    band VARCHAR,
    age INTEGER NOT NULL,
    change VARCHAR NOT NULL CHECK (change IN ('new', 'continuing')),
    previous_rank INTEGER,
    review_by DATE NOT NULL,
    explanation VARCHAR NOT NULL,          -- JSON: rules met, factors, safeguarding, pathways
    PRIMARY KEY (run_id, person_id)
);

CREATE TABLE lists.departure (
    run_id INTEGER NOT NULL,               -- the run they are no longer on
    person_id BIGINT NOT NULL,
    previous_rank INTEGER NOT NULL,
    why VARCHAR NOT NULL,                  -- aged out, excluded (which), risk fell, decision, ...
    PRIMARY KEY (run_id, person_id)
);

ALTER TABLE review.decision ADD COLUMN pathway VARCHAR;  -- the support pathway the analyst settled on

ALTER TABLE audit.event ADD COLUMN purpose VARCHAR;      -- why the data were viewed, exported or changed
ALTER TABLE audit.event ADD COLUMN recipients VARCHAR;   -- who received them

-- Rows a linkage run replaced, with the run that replaced them: identities as at any run.
CREATE TABLE link.person_history AS SELECT *, CAST(NULL AS VARCHAR) AS replaced_by FROM link.person WITH NO DATA;
CREATE TABLE link.xref_history AS SELECT *, CAST(NULL AS VARCHAR) AS replaced_by FROM link.xref WITH NO DATA;
