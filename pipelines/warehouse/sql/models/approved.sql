SELECT version FROM scoring.model WHERE status = 'approved'
