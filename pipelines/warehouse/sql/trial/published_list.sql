-- The list published for $as_of (the latest run not superseded or erased): its run and linkage run.
SELECT run_id, link_run, mode FROM lists.run
WHERE as_of = $as_of AND status = 'published' AND erased_at IS NULL
ORDER BY run_id DESC
LIMIT 1;
