-- Append one event to the audit log (never updated or deleted); pipelines.audit.record computes its
-- event_id (the head's + 1), its category and its place in the hash chain.
INSERT INTO audit.event (event_id, occurred_at, actor, action, category, source, load_id, file_name, sha256,
                         rows, detail, purpose, recipients, previous_hash, event_hash)
VALUES ($event_id, $occurred_at, $actor, $action, $category, $source, $load_id, $file_name, $sha256, $rows,
        $detail, $purpose, $recipients, $previous_hash, $event_hash);
