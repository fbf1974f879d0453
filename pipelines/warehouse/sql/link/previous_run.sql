-- The latest successful linkage run: its settings, its trained model (reused unless a run retrains),
-- and whether it kept its scored pairs in link.pair (runs from before the increment did not).
SELECT settings, model_json, increment IS NOT NULL AS pairs_kept FROM link.run
WHERE status = 'succeeded' AND model_json IS NOT NULL
ORDER BY finished_at DESC
LIMIT 1;
