-- Add rows retention erased from one load's layer to its counts (pipelines.retention).
UPDATE meta.load
SET rows_erased_raw = rows_erased_raw + $raw, rows_erased_staged = rows_erased_staged + $staged,
    rows_erased_quarantined = rows_erased_quarantined + $quarantined
WHERE load_id = $load_id;
