-- A commitment (its audit event is written in the same transaction, and committed before the draw).
INSERT INTO trial.commitment (commitment_event_id, trial, as_of, list_run_id, places, pool_size, pool_hash,
    seed_hash, settings_hash, committed_at, committed_by, status)
VALUES ($commitment_event_id, $trial, $as_of, $list_run_id, $places, $pool_size, $pool_hash, $seed_hash,
    $settings_hash, $committed_at, $committed_by, 'committed');
