UPDATE link.run SET status = 'failed', finished_at = ? WHERE run_id = ?
