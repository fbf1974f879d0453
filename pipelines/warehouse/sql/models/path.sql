SELECT path FROM scoring.model WHERE version = ?
