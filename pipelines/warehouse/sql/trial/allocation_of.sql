-- One allocation, with its withdrawal if any.
SELECT a.allocation_id, a.allocated_on, w.withdrawn_on
FROM trial.allocation a LEFT JOIN trial.withdrawal w USING (allocation_id)
WHERE a.allocation_id = $allocation_id;
