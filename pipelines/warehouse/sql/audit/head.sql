-- The last event of the log (its id and hash) and how many events are sealed into the chain.
SELECT event_id, event_hash, (SELECT count(event_hash) FROM audit.event) AS sealed
FROM audit.event
ORDER BY event_id DESC
LIMIT 1;
