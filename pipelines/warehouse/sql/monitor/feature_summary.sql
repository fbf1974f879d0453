-- A run's people per feature and fine bin (the model's split points).
SELECT feature, bin, people FROM scoring.feature_summary WHERE run_id = ?;
