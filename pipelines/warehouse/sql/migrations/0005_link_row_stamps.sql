-- A linkage run now writes only the rows that changed (pipelines.warehouse.replace_rows), so a
-- row's run_id says which run last wrote it, not which run last ran.
COMMENT ON COLUMN link.person.run_id IS 'the linkage run that last changed this row';
COMMENT ON COLUMN link.registration.run_id IS 'the linkage run that last changed this row';
COMMENT ON COLUMN link.xref.run_id IS 'the linkage run that last changed this row';
