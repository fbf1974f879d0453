-- The people who left the list with one run, for the review console's read model.
SELECT person_id, previous_rank, why FROM lists.departure WHERE run_id = $run_id ORDER BY previous_rank
