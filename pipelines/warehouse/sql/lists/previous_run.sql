-- The published run a new list compares itself with: the latest before its as_of.
SELECT run_id, as_of FROM lists.run WHERE status = 'published' AND as_of < ?
ORDER BY as_of DESC, run_id DESC LIMIT 1;
