-- The trial's latest draw: its id and the list date it drew for (none: no draw yet).
SELECT draw_id, as_of FROM trial.draw WHERE trial = $trial ORDER BY as_of DESC, draw_id DESC LIMIT 1;
