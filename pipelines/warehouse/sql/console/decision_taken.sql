-- A console decision already stored: by its id, or (after a crash before its id was written) by the
-- exact decision it stored, made at the same moment by the same person.
SELECT decision_id, console_decision_id FROM review.decision
WHERE console_decision_id = $console_id
   OR (console_decision_id IS NULL AND run_id = $run_id AND person_id = $person_id AND decision = $decision
       AND reason = $reason AND reviewer = $reviewer AND made_at = $made_at)
ORDER BY decision_id LIMIT 1
