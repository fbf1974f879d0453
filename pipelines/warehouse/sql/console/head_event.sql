-- The newest audit event's id (the one just recorded, inside the caller's transaction).
SELECT max(event_id) FROM audit.event
