-- Every review decision (workbook, terminal and console), for the review console's read model.
SELECT decision_id, run_id, person_id, decision, reason, reviewer, pathway,
       coalesce(made_at, recorded_at) AS made_at, console_decision_id
FROM review.decision ORDER BY decision_id
