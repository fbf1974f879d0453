-- Record a monitoring report: its document (no person identifiers) and the HTML report's digest.
INSERT INTO scoring.monitor_report (report_id, made_at, made_by, as_at, runs, alerts, document, path, sha256)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?);
