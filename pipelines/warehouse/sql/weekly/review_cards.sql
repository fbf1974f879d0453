-- A run's entries not yet decided on that run, in rank order (the terminal review's cards).
SELECT e.person_id, e.rank, e.within_capacity, e.route, e.probability, e.band, e.age, e.change,
e.review_by, coalesce(e.identity_review, false), e.explanation FROM lists.entry e
WHERE e.run_id = ? AND e.person_id NOT IN
(SELECT person_id FROM review.decision WHERE run_id = ?) ORDER BY e.rank;
