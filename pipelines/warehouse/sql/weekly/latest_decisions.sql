-- Each person's latest decision on a run, with when it was made (else when it was recorded).
SELECT person_id, decision, reason, reviewer, pathway, coalesce(made_at, recorded_at) AS made_at
FROM review.decision WHERE run_id = $run_id
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY decision_id DESC) = 1;
