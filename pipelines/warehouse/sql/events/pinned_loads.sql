SELECT load_id FROM meta.load WHERE status = 'loaded' ORDER BY load_id
