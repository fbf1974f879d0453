-- Append one event to the audit log (never updated or deleted).
INSERT INTO audit.event (event_id, occurred_at, actor, action, source, load_id, file_name, sha256, rows, detail,
                         purpose, recipients)
SELECT coalesce(max(event_id), 0) + 1, $occurred_at, $actor, $action, $source, $load_id, $file_name, $sha256, $rows,
       $detail, $purpose, $recipients
FROM audit.event;
