-- The lists a person was on, and the ones they left, under any of their ids (subject access).
SELECT r.as_of, r.run_id, 'on the list' AS listed, e.person_id, e.rank, e.within_capacity,
e.route, e.band, e.probability, e.age, e.change, e.previous_rank, e.review_by,
CAST(NULL AS VARCHAR) AS why, e.explanation FROM lists.entry e JOIN lists.run r USING (run_id)
WHERE list_contains($ids, e.person_id) UNION ALL BY NAME
SELECT r.as_of, r.run_id, 'left the list' AS listed, d.person_id, d.previous_rank, d.why
FROM lists.departure d JOIN lists.run r USING (run_id) WHERE list_contains($ids, d.person_id)
ORDER BY as_of, run_id, listed DESC
