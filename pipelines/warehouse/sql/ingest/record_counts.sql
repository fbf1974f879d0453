UPDATE meta.load SET rows_raw = $rows_raw, rows_staged = $rows_staged, rows_quarantined = $rows_quarantined
WHERE load_id = $load_id;
