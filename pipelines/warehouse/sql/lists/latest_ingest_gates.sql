-- The latest ingest run that finished (its gates recorded): the weekly list reports its failed gates.
SELECT run_id, gates FROM meta.run
WHERE flow = 'ingest-extracts' AND gates IS NOT NULL
ORDER BY started_at DESC, run_id DESC LIMIT 1;
