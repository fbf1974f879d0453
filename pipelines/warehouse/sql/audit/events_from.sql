-- The events from event $first on, oldest first, in the field order of pipelines.audit.Event.
SELECT event_id, occurred_at, actor, action, category, source, load_id, file_name, sha256, rows, detail,
       purpose, recipients, previous_hash, event_hash
FROM audit.event
WHERE event_id >= $first
ORDER BY event_id;
