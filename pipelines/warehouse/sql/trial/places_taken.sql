-- Programme places taken on $on: programme allocations made by then, held for $programme_days from
-- the allocation, and not withdrawn by then.
SELECT count(*)
FROM trial.allocation a LEFT JOIN trial.withdrawal w USING (allocation_id)
WHERE a.arm = 'programme' AND a.allocated_on <= $on
  AND a.allocated_on + CAST($programme_days AS INTEGER) > $on
  AND (w.withdrawn_on IS NULL OR w.withdrawn_on > $on);
