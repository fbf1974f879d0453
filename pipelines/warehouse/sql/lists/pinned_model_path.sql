-- Where the model version a run pinned is stored.
SELECT path FROM scoring.model WHERE version = ?;
