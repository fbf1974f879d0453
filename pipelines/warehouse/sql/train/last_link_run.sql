SELECT run_id FROM link.run WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1
