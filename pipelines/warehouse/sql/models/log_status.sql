INSERT INTO scoring.model_status VALUES (?, ?, ?, ?, ?)
