-- One list run's entries, in rank order, for the review console's read model.
SELECT person_id, rank, within_capacity, route, probability, band, age, change, previous_rank, review_by,
       coalesce(identity_review, false) AS identity_review, explanation
FROM lists.entry WHERE run_id = $run_id ORDER BY rank
