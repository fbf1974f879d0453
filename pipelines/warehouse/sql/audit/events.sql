-- The events that occurred from $since to $until (whole days, both included; NULL: no limit), oldest first,
-- in the field order of pipelines.audit.Event.
SELECT event_id, occurred_at, actor, action, category, source, load_id, file_name, sha256, rows, detail,
       purpose, recipients, previous_hash, event_hash
FROM audit.event
WHERE (CAST($since AS DATE) IS NULL OR occurred_at >= CAST($since AS DATE))
  AND (CAST($until AS DATE) IS NULL OR occurred_at < CAST($until AS DATE) + INTERVAL 1 DAY)
ORDER BY event_id;
