-- register a load's raw file, or record its rewritten copy (new path, hash, rows and bytes)
INSERT INTO meta.raw_file (source, load_id, path, sha256, rows, bytes)
VALUES ($source, $load_id, $path, $sha256, $rows, $bytes)
ON CONFLICT (source, load_id) DO UPDATE SET
    path = excluded.path, sha256 = excluded.sha256, rows = excluded.rows, bytes = excluded.bytes
