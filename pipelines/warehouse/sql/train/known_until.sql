SELECT max(extract_date) FROM meta.load WHERE status = 'loaded' AND source = ?
