-- The review decisions about a person under any of their ids (subject access).
SELECT decided_on, decision_id, run_id, person_id, decision, reason, pathway, reviewer,
recorded_at, cohort_end_date FROM review.decision WHERE list_contains($ids, person_id)
ORDER BY decision_id
