SELECT 1 FROM scoring.model WHERE version = ?
