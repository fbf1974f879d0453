-- The latest monitoring report (for the board pack).
SELECT report_id, made_at, made_by, as_at, document FROM scoring.monitor_report
ORDER BY report_id DESC LIMIT 1;
