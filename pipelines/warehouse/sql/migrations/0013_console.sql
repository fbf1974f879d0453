-- The review console (issue 20): what the sync took in from its operational store, so taking in twice
-- (a crash between the warehouse's commit and the store's marking rows taken) never doubles a row.

-- the console decision a review decision was taken in from (NULL: workbook or terminal)
ALTER TABLE review.decision ADD COLUMN console_decision_id BIGINT;

-- the console journal entries recorded as audit events: the journal's seq and hash, and the event
CREATE TABLE audit.console_journal (
    seq BIGINT PRIMARY KEY,                -- the console journal's sequence number
    entry_hash VARCHAR NOT NULL,           -- the journal entry's hash (its own chain)
    event_id BIGINT NOT NULL,              -- audit.event
    taken_at TIMESTAMP NOT NULL
);
