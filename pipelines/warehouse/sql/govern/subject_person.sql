-- The person as held now, and every earlier version of them a linkage run replaced (subject access).
SELECT 'current' AS held_as, * EXCLUDE (run_id), run_id AS link_run FROM link.person
WHERE person_id = $person UNION ALL BY NAME
SELECT 'replaced by link run ' || replaced_by AS held_as, * EXCLUDE (run_id, replaced_by),
run_id AS link_run FROM link.person_history WHERE list_contains($ids, person_id)
