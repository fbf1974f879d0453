-- The people on a run's list: only they can be decided on.
SELECT person_id FROM lists.entry WHERE run_id = ?;
