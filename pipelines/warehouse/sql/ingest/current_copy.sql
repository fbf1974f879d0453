-- The rows of the copy of a file currently loaded (a changed copy with fewer is held), and whether
-- a person has accepted this shorter copy.
SELECT max(rows_raw) AS rows_raw,
       EXISTS (SELECT 1 FROM meta.accepted_shorter WHERE file_name = $file_name AND sha256 = $sha256)
FROM meta.load WHERE source = $source AND file_name = $file_name AND status = 'loaded';
