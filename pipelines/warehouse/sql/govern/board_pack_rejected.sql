SELECT file_name, source, loaded_at, problem FROM meta.load WHERE status = 'rejected'
ORDER BY loaded_at DESC LIMIT 20
