-- The weekly linkage increment (issue 22): a run scores only the pairs that touch a new or changed
-- registration and keeps every other pair's stored probability, so the scored pairs are now kept.
CREATE TABLE link.pair (                   -- every pair scored at or above the review threshold
    registration_l VARCHAR NOT NULL,       -- the smaller registration key
    registration_r VARCHAR NOT NULL,
    match_probability DOUBLE NOT NULL,     -- Splink's, before any clerical decision
    match_weight DOUBLE NOT NULL,
    run_id VARCHAR NOT NULL,               -- the linkage run that scored it
    PRIMARY KEY (registration_l, registration_r)
);

ALTER TABLE link.run ADD COLUMN increment BOOLEAN;  -- true: only pairs touching a changed registration
                                                    -- were scored; NULL: a run from before link.pair
ALTER TABLE link.run ADD COLUMN registrations_changed BIGINT;  -- new, changed or removed since the last run
ALTER TABLE link.run ADD COLUMN relinked BIGINT;   -- registrations given a person they did not have before
ALTER TABLE link.run ADD COLUMN rows_inserted BIGINT;  -- rows this run wrote to the link tables
ALTER TABLE link.run ADD COLUMN rows_deleted BIGINT;   -- rows it deleted (a changed row is both)
COMMENT ON COLUMN link.run.pairs_scored IS
    'pairs Splink scored in this run at or above the review threshold (an increment: only those touching a change)';
