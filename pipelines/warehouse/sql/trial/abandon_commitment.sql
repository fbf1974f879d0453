-- Record that a commitment's draw never happened, and the audit event that says so.
UPDATE trial.commitment SET status = 'abandoned', abandoned_at = $at, abandoned_event_id = $event_id
WHERE commitment_event_id = $commitment_event_id AND status = 'committed';
