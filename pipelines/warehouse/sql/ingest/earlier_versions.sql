-- Current loads of an earlier copy of the same file (same name, different content).
SELECT load_id FROM meta.load
WHERE source = $source AND file_name = $file_name AND status = 'loaded' AND load_id <> $load_id;
