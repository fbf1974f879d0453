-- A run's entries as the next list compares with them (lists.build.PREVIOUS_SCHEMA).
SELECT person_id, rank, route, band FROM lists.entry WHERE run_id = $run_id;
