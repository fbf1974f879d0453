INSERT INTO meta.run (run_id, flow, run_date, started_at, status) VALUES ($run_id, $flow, $run_date, $started_at, 'running');
