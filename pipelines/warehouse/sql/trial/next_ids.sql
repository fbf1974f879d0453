-- The ids the next draw and its first allocation take.
SELECT (SELECT coalesce(max(draw_id), 0) + 1 FROM trial.draw),
       (SELECT coalesce(max(allocation_id), 0) + 1 FROM trial.allocation);
