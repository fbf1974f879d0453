-- The id the next list run takes.
SELECT coalesce(max(run_id), 0) + 1 FROM lists.run;
