-- The list runs dated before the cutoff: their folders, and whether each is still to mark erased (retention).
SELECT run_id, as_of, folder, erased_at IS NULL FROM lists.run WHERE as_of < ? ORDER BY run_id
