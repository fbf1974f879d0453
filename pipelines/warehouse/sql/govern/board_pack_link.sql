SELECT run_id, finished_at, records, persons, pairs_linked, pairs_for_review, merges, splits
FROM link.run WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1
