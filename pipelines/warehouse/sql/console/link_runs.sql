-- The latest linkage runs.
SELECT run_id, started_at, status FROM link.run ORDER BY started_at DESC, run_id DESC LIMIT $limit
