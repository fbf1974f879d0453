-- The allocations of one draw, as stored.
SELECT person_id, stratum, arm, probability, randomised FROM trial.allocation WHERE draw_id = $draw_id
ORDER BY person_id;
