-- Every linkage run, newest first: when, how it ended and what it linked (no personal data).
SELECT run_id, started_at, finished_at, status, trained, records, persons, pairs_for_review, merges, splits
FROM link.run
ORDER BY started_at DESC, run_id;
