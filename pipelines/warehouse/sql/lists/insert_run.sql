-- A published run and everything it pinned.
INSERT INTO lists.run (run_id, as_of, created_at, created_by, status, mode, load_ids, link_run,
decisions_until, rules_version, rulebook, model_version, code_version, parameters,
previous_run_id, entries, within_capacity, folder, files, fairness, fairness_breaches) VALUES
(?, ?, ?, ?, 'published', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?);
