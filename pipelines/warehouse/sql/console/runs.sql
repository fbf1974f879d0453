-- Every list run as the review console shows it (pipelines/console/sync/publish.py).
SELECT run_id, as_of, created_at, created_by, status, mode, model_version, parameters, previous_run_id,
       entries, within_capacity, fairness, erased_at IS NOT NULL AS erased
FROM lists.run ORDER BY run_id
