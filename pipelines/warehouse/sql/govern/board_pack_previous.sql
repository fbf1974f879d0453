SELECT pack_id, made_at, run_id, rules_version, rulebook, model_version, settings
FROM audit.board_pack
ORDER BY pack_id DESC LIMIT 1
