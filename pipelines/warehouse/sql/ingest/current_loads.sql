-- Current loads with the counts stored when they were loaded, and the rows retention has erased
-- since (reconciliation re-counts them).
SELECT load_id, source, file_name, rows_raw, rows_staged, rows_quarantined,
       rows_erased_raw, rows_erased_staged, rows_erased_quarantined
FROM meta.load WHERE status = 'loaded' ORDER BY load_id;
