SELECT load_id FROM meta.load WHERE status = 'loaded' ORDER BY 1
