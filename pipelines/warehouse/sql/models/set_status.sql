UPDATE scoring.model SET status = ? WHERE version = ?
