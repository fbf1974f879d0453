UPDATE meta.run
SET finished_at = $finished_at, status = $status, files_seen = $files_seen, files_loaded = $files_loaded,
    files_skipped = $files_skipped, files_rejected = $files_rejected, gates = $gates, report_path = $report_path
WHERE run_id = $run_id;
