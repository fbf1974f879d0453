-- The rehearsal's panel: a run's listed people with no decision yet, or whose latest decision is a deferral.
SELECT e.person_id, e.rank, e.route
FROM lists.entry e
LEFT JOIN (
    SELECT person_id, decision FROM review.decision
    QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY decision_id DESC) = 1
) d USING (person_id)
WHERE e.run_id = $run_id AND (d.decision IS NULL OR d.decision = 'defer')
ORDER BY e.rank;
