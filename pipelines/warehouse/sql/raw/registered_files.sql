-- the registered raw files, of one source ($source) or all (NULL), in load order
SELECT source, load_id, path, sha256, rows, bytes
FROM meta.raw_file
WHERE $source IS NULL OR source = $source
ORDER BY source, load_id
