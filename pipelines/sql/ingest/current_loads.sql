-- Current loads with the counts stored when they were loaded (reconciliation re-counts them).
SELECT load_id, source, file_name, rows_raw, rows_staged, rows_quarantined
FROM meta.load WHERE status = 'loaded' ORDER BY load_id;
