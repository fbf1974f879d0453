-- Every file content ever seen, so a file already loaded (or rejected, or held) is not read again;
-- unless it was rejected only for being dated after its run's date, or a person has since accepted
-- a held shorter copy (meta.accepted_shorter).
SELECT l.sha256, l.file_name, l.status,
       coalesce(l.status = 'rejected' AND l.extract_date > r.run_date, false) AS was_future,
       l.status = 'held' AND EXISTS (
           SELECT 1 FROM meta.accepted_shorter a WHERE a.file_name = l.file_name AND a.sha256 = l.sha256
       ) AS accepted
FROM meta.load l LEFT JOIN meta.run r USING (run_id)
ORDER BY l.load_id;
