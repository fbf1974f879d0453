-- The published weekly runs that recorded predictions, made on or before $until, oldest first.
SELECT p.run_id, p.as_of, p.model_version, p.scored, p.listed, p.within_capacity, p.capacity
FROM scoring.prediction_run p JOIN lists.run r USING (run_id)
WHERE r.status = 'published' AND p.as_of <= $until
ORDER BY p.as_of, p.run_id;
