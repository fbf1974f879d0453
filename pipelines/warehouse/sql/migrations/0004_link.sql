-- Identity linkage (linkage/): people, the record-to-person cross-reference, each run's model,
-- merges and splits of person ids, and the clerical review queue with its decisions.

CREATE TABLE link.run (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,               -- running, succeeded, failed
    trained BOOLEAN,                       -- false: the previous run's model was reused
    load_ids INTEGER[],                    -- the loads whose staged rows were linked
    settings VARCHAR,                      -- linkage/settings.yaml as used
    model_json VARCHAR,                    -- the Splink model (settings and trained m and u)
    blocking_json VARCHAR,                 -- the blocking analysis: each candidate rule, its count, used or not
    records BIGINT,
    registrations BIGINT,
    persons BIGINT,
    pairs_scored BIGINT,                   -- pairs at or above the review threshold
    pairs_linked BIGINT,
    pairs_for_review BIGINT,
    merges INTEGER,
    splits INTEGER,
    max_person_id BIGINT,                  -- ids are never reused: the next run starts above this
    artefacts VARCHAR                      -- folder holding the model and charts
);

CREATE TABLE link.person (
    person_id BIGINT PRIMARY KEY,
    forename VARCHAR,
    middle_names VARCHAR,
    surname VARCHAR,
    dob DATE,
    sex VARCHAR,                           -- M, F or U
    postcode VARCHAR,                      -- the latest
    records INTEGER NOT NULL,
    sources VARCHAR[] NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE link.registration (          -- records sharing an identifier, as most of them give it
    registration VARCHAR PRIMARY KEY,
    forename VARCHAR,
    middle_names VARCHAR,
    surname VARCHAR,
    dob DATE,
    sex VARCHAR,
    postcode VARCHAR,                      -- the latest
    postcode_load_id INTEGER,              -- the row the latest postcode came from
    postcode_row_number BIGINT,
    postcodes VARCHAR[],                   -- every postcode given
    records INTEGER NOT NULL,
    sources VARCHAR[] NOT NULL,
    run_id VARCHAR NOT NULL
);

CREATE TABLE link.xref (
    source VARCHAR NOT NULL,               -- the extract (contract name)
    source_record_id VARCHAR NOT NULL,     -- its record id
    person_id BIGINT NOT NULL,
    registration VARCHAR NOT NULL,         -- identifier kind and value, or source and record id
    match_probability DOUBLE,
    method VARCHAR NOT NULL,               -- probabilistic, clerical, identifier, none
    run_id VARCHAR NOT NULL
);

CREATE TABLE link.id_change (
    run_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,                 -- merge: person_id's records now belong to into_person_id;
                                           -- split: some of person_id's records now form into_person_id
    person_id BIGINT NOT NULL,
    into_person_id BIGINT NOT NULL,
    records BIGINT NOT NULL
);

CREATE TABLE link.review_pair (
    pair_id VARCHAR PRIMARY KEY,           -- short hash of the two registrations
    registration_l VARCHAR NOT NULL,
    registration_r VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,
    match_weight DOUBLE,
    run_id VARCHAR NOT NULL
);

CREATE TABLE link.review_decision (
    registration_l VARCHAR NOT NULL,
    registration_r VARCHAR NOT NULL,
    decision VARCHAR NOT NULL CHECK (decision IN ('accept', 'reject')),
    reviewer VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL,
    PRIMARY KEY (registration_l, registration_r)
);
