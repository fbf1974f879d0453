INSERT INTO link.run (run_id, started_at, status) VALUES (?, ?, 'running')
