-- The allocation file: one row per source record each allocated person held when allocated.
SELECT a.allocation_id, a.arm, a.allocated_on, w.withdrawn_on, r.source, r.source_record_id
FROM trial.allocation a
JOIN trial.allocation_record r USING (allocation_id)
LEFT JOIN trial.withdrawal w USING (allocation_id)
ORDER BY a.allocation_id, r.source, r.source_record_id;
