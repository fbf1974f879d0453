-- One weekly run's predictions: what is the same for everyone it scored.
INSERT INTO scoring.prediction_run (run_id, as_of, model_version, scored, listed, within_capacity, capacity,
    recorded_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);
