SELECT status, changed_by, reason, changed_at FROM scoring.model_status WHERE version = ? ORDER BY changed_at
