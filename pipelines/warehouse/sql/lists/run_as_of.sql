-- A run's as_of (the previous run a rebuilt list compares with).
SELECT as_of FROM lists.run WHERE run_id = ?;
