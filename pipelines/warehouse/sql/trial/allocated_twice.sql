-- Source records held by more than one allocation: someone drawn twice.
SELECT count(DISTINCT source || '/' || source_record_id)
FROM (SELECT source, source_record_id FROM trial.allocation_record
      GROUP BY source, source_record_id HAVING count(DISTINCT allocation_id) > 1);
