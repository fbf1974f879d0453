-- Every draw, oldest first, with what verification recomputes it from.
SELECT draw_id, trial, as_of, settings_hash, settings, places, pool_size, pool_hash, seed_hash,
       commitment_event_id, seed, draw_event_id
FROM trial.draw ORDER BY draw_id;
