-- The governance pack (issue 8): the audit log to the standard of the Data Protection Act 2018
-- s.62 (each event's category and a hash chain), the fairness audit of every list run, erasure of
-- published lists past their retention period, and the board packs made.

-- s.62 category of each event: collection, alteration, consultation, disclosure, combination, erasure
ALTER TABLE audit.event ADD COLUMN category VARCHAR;
-- sha256 of the event before this one ('' for the first), and of this event's fields plus that:
-- editing, deleting, inserting or reordering an event breaks the chain (`cohort audit verify`)
ALTER TABLE audit.event ADD COLUMN previous_hash VARCHAR;
ALTER TABLE audit.event ADD COLUMN event_hash VARCHAR;

ALTER TABLE lists.run ADD COLUMN fairness VARCHAR;            -- JSON: who is listed by group (governance.fairness)
ALTER TABLE lists.run ADD COLUMN fairness_breaches INTEGER;   -- disparities beyond governance/fairness.yaml
ALTER TABLE lists.run ADD COLUMN erased_at TIMESTAMP;         -- entries and files erased (`cohort retention apply`)

CREATE TABLE audit.board_pack (
    pack_id INTEGER PRIMARY KEY,
    made_at TIMESTAMP NOT NULL,
    made_by VARCHAR NOT NULL,
    run_id INTEGER,                        -- the list run it reports (NULL: none published yet)
    rules_version VARCHAR NOT NULL,
    rulebook VARCHAR NOT NULL,             -- JSON: every rule file's name and text
    model_version VARCHAR,
    settings VARCHAR NOT NULL,             -- JSON: list settings and fairness thresholds, as text
    file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL
);
