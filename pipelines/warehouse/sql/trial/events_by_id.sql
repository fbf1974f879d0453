-- Audit events by id: what verification checks a draw's commitment and draw events against.
SELECT event_id, action, sha256, detail FROM audit.event WHERE list_contains($ids, event_id);
