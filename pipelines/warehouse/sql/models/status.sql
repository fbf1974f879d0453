SELECT status FROM scoring.model WHERE version = ?
