-- Nothing a sender or retention does may lose data silently (issue 18): a shorter re-delivery of a
-- loaded file is held (meta.load status 'held', with its hash and row count) until a person accepts
-- it, and the rows retention erases are counted per load, so raw = staged + quarantined still holds
-- once the erased rows are added back.

-- rows of this load erased by `cohort retention apply`, per layer (reconciliation adds them back)
ALTER TABLE meta.load ADD COLUMN rows_erased_raw BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meta.load ADD COLUMN rows_erased_staged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE meta.load ADD COLUMN rows_erased_quarantined BIGINT NOT NULL DEFAULT 0;

-- A person's confirmation that a held shorter copy of a file may replace the longer one it would
-- supersede (`cohort ingest --accept-shorter FILE --reason TEXT`); the next run loads it.
CREATE TABLE meta.accepted_shorter (
    file_name VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,               -- the held copy accepted (a different copy is held again)
    held_load_id INTEGER NOT NULL,         -- the meta.load row that recorded it held
    accepted_by VARCHAR NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    reason VARCHAR NOT NULL,
    PRIMARY KEY (file_name, sha256)
);
