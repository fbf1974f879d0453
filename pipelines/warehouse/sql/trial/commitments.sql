-- Every commitment, oldest first.
SELECT commitment_event_id, trial, as_of, places, pool_size, pool_hash, seed_hash, settings_hash, status,
       abandoned_event_id
FROM trial.commitment ORDER BY commitment_event_id;
