-- The trained model of the latest successful linkage run, to reuse for a weekly increment.
SELECT model_json FROM link.run
WHERE status = 'succeeded' AND model_json IS NOT NULL
ORDER BY finished_at DESC
LIMIT 1;
