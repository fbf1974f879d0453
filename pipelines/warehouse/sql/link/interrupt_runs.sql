-- A new linkage run begins: any run still marked running was killed before it could finish
-- (a run that fails is marked failed; only a killed process leaves 'running' behind).
UPDATE link.run SET status = 'interrupted' WHERE status = 'running';
