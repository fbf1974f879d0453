-- the list run a pack is about: the one asked for ($run_id), else the latest published
SELECT run_id, as_of, created_at, created_by, status, mode, rules_version, rulebook, model_version,
    code_version, parameters, entries, within_capacity, fairness, fairness_breaches, erased_at
FROM lists.run
WHERE CASE WHEN CAST($run_id AS BIGINT) IS NULL THEN status = 'published' ELSE run_id = CAST($run_id AS BIGINT) END
ORDER BY as_of DESC, run_id DESC LIMIT 1
