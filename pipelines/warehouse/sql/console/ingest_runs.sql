-- The latest ingest runs with the files they loaded and rejected and the rows they quarantined.
SELECT r.run_id, r.started_at, coalesce(r.files_loaded, 0), coalesce(r.files_rejected, 0),
       coalesce((SELECT sum(l.rows_quarantined) FROM meta.load l WHERE l.run_id = r.run_id), 0)
FROM meta.run r WHERE r.flow = 'ingest-extracts'
ORDER BY r.started_at DESC, r.run_id DESC LIMIT $limit
