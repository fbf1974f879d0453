SELECT run_id FROM link.run WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1
