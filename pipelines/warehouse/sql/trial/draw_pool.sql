-- The pool of one draw, in canonical order.
SELECT position, person_id, stratum, score FROM trial.pool WHERE draw_id = $draw_id ORDER BY position;
