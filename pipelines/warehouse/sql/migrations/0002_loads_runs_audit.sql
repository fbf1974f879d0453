-- Ingest bookkeeping: every file seen, every run, and the append-only audit log.

CREATE TABLE meta.run (
    run_id VARCHAR PRIMARY KEY,
    flow VARCHAR NOT NULL,                 -- e.g. ingest-extracts
    run_date DATE NOT NULL,                -- the day the run is for (freshness is judged against it)
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,               -- running, succeeded, failed, interrupted
    files_seen INTEGER,
    files_loaded INTEGER,
    files_skipped INTEGER,
    files_rejected INTEGER,
    gates VARCHAR,                         -- JSON: every gate with its verdict
    report_path VARCHAR
);

CREATE TABLE meta.load (
    load_id INTEGER PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    source VARCHAR,                        -- null when no contract matches the file name
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    extract_date DATE,                     -- from the file name
    received_at TIMESTAMP NOT NULL,        -- when the file landed (its modification time, UTC)
    loaded_at TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,               -- loaded, rejected, superseded
    contract_version VARCHAR,              -- sha256 of the contract the file was checked against
    rows_raw BIGINT,
    rows_staged BIGINT,
    rows_quarantined BIGINT,
    problem VARCHAR,                       -- why a file was rejected: names the file, column and fix
    superseded_by INTEGER                  -- the load of a changed copy of the same file
);

CREATE TABLE audit.event (
    event_id BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,                -- the flow or person that acted
    action VARCHAR NOT NULL,               -- collect, reject, supersede, ...
    source VARCHAR,
    load_id INTEGER,
    file_name VARCHAR,
    sha256 VARCHAR,
    rows BIGINT,
    detail VARCHAR
);
