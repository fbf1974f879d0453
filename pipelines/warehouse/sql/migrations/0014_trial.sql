-- Randomised allocation to the programme (issue 21): each draw with its commitment, the pool it drew
-- from, each person's allocation with the records they held, and withdrawals. The commitment (the
-- hashes of the pool, of the seed and of the settings) is an audit event, with its trial.commitment
-- row, committed before the draw; the seed is kept after the draw so that anyone can recompute every
-- arm from the pool. A commitment whose draw never came (a run that stopped) is marked abandoned.

CREATE SCHEMA IF NOT EXISTS trial;

CREATE TABLE trial.draw (
    draw_id INTEGER PRIMARY KEY,
    trial VARCHAR NOT NULL,                -- the trial's name (its settings declaration)
    as_of DATE NOT NULL,                   -- the weekly list the pool came from
    list_run_id INTEGER,                   -- lists.run
    link_run VARCHAR,                      -- link.run whose person ids the pool uses
    settings_hash VARCHAR NOT NULL,        -- sha256 of the trial settings as used
    settings VARCHAR NOT NULL,             -- JSON: the trial settings as used
    places INTEGER NOT NULL,               -- programme places free before the draw
    pool_size INTEGER NOT NULL,
    pool_hash VARCHAR NOT NULL,            -- sha256 of the canonical pool (see lists/trial)
    seed_hash VARCHAR NOT NULL,            -- sha256 of the seed, committed before the draw
    commitment_event_id BIGINT NOT NULL,   -- audit.event recording both hashes, before the draw
    seed VARCHAR,                          -- revealed after the draw (hex); NULL until then
    drawn_at TIMESTAMP NOT NULL,
    drawn_by VARCHAR NOT NULL,
    draw_event_id BIGINT NOT NULL          -- audit.event recording the draw (after the commitment's)
);

CREATE TABLE trial.commitment (            -- each commitment, written and committed before its draw
    commitment_event_id BIGINT PRIMARY KEY, -- audit.event naming the three hashes
    trial VARCHAR NOT NULL,
    as_of DATE NOT NULL,
    list_run_id INTEGER,
    places INTEGER NOT NULL,
    pool_size INTEGER NOT NULL,
    pool_hash VARCHAR NOT NULL,
    seed_hash VARCHAR NOT NULL,
    settings_hash VARCHAR NOT NULL,
    committed_at TIMESTAMP NOT NULL,
    committed_by VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('committed', 'drawn', 'abandoned')),
    abandoned_at TIMESTAMP,                -- a later run found it with no draw (a crash between the two)
    abandoned_event_id BIGINT              -- audit.event recording that
);

CREATE TABLE trial.pool (                  -- everyone each draw drew from, in canonical order
    draw_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    person_id BIGINT NOT NULL,
    stratum VARCHAR NOT NULL,              -- age group and qualifying route, e.g. 'under 18 | rule'
    score DOUBLE,                          -- the list's calibrated probability (tie-breaker designs)
    PRIMARY KEY (draw_id, position)
);

CREATE TABLE trial.allocation (
    allocation_id INTEGER PRIMARY KEY,
    draw_id INTEGER NOT NULL,
    person_id BIGINT NOT NULL,             -- link.person at the draw's linkage run
    stratum VARCHAR NOT NULL,
    arm VARCHAR NOT NULL CHECK (arm IN ('programme', 'control')),
    probability DOUBLE NOT NULL,           -- of assignment to the programme, as designed
    randomised BOOLEAN NOT NULL,           -- false: assigned by the tie-breaker (probability 1)
    allocated_on DATE NOT NULL
);

CREATE TABLE trial.allocation_record (     -- the source records the person held when allocated
    allocation_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    source_record_id VARCHAR NOT NULL,
    PRIMARY KEY (allocation_id, source, source_record_id)
);

CREATE TABLE trial.withdrawal (
    allocation_id INTEGER PRIMARY KEY,
    withdrawn_on DATE NOT NULL,
    reason VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    event_id BIGINT NOT NULL               -- audit.event
);
