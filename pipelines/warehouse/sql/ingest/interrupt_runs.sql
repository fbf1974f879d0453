-- A new run begins: any run still marked running was killed before it could finish.
UPDATE meta.run SET status = 'interrupted' WHERE status = 'running';
