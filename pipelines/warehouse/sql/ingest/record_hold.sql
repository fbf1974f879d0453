UPDATE meta.load SET rows_raw = $rows_raw WHERE load_id = $load_id;
