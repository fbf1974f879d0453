-- Every published weekly list run, oldest first: dates, modes, versions and sizes (no personal data).
SELECT run_id, as_of, status, mode, model_version, left(rules_version, 12), entries, within_capacity, created_by, created_at FROM lists.run ORDER BY run_id
