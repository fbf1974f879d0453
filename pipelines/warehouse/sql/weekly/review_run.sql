-- A published run as a reviewer needs it: what it pinned, its settings and its files' digests.
SELECT as_of, load_ids, link_run, decisions_until, parameters, files FROM lists.run
WHERE run_id = ?;
