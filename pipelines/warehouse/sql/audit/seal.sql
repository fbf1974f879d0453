-- Seal the events recorded before the hash chain existed (migration 0010): their category and their
-- place in the chain, computed by pipelines.audit and registered as _sealed.
UPDATE audit.event AS e
SET category = s.category, previous_hash = s.previous_hash, event_hash = s.event_hash
FROM _sealed AS s
WHERE e.event_id = s.event_id;
