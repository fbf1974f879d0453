-- Everything a run pinned, to rebuild its list.
SELECT as_of, created_at, created_by, mode, load_ids, link_run, decisions_until, rules_version,
rulebook, model_version, code_version, parameters, previous_run_id, files FROM lists.run
WHERE run_id = ?;
