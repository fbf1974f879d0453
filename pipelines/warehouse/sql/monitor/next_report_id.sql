-- The id the next monitoring report takes.
SELECT coalesce(max(report_id), 0) + 1 FROM scoring.monitor_report;
