-- The identity pairs awaiting clerical review, with when their linkage run queued them.
SELECT p.pair_id, p.match_probability, p.run_id, r.started_at
FROM link.review_pair p LEFT JOIN link.run r ON r.run_id = p.run_id
ORDER BY p.match_probability DESC, p.pair_id
