-- When retention erased a run's entries (NULL while they are kept).
SELECT erased_at FROM lists.run WHERE run_id = ?;
