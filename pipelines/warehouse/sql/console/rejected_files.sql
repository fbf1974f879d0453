-- Files received but refused whole, newest first.
SELECT load_id, file_name, source, received_at, coalesce(problem, '') AS problem
FROM meta.load WHERE status = 'rejected' ORDER BY received_at DESC, load_id DESC LIMIT $limit
