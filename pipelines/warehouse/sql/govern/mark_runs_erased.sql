-- Mark list runs erased at a time (retention).
UPDATE lists.run SET erased_at = ? WHERE list_contains(?, run_id)
