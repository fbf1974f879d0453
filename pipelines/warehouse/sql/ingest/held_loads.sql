-- Held shorter copies still waiting for a person: the newest record of their file name, with the
-- rows of the copy kept current.
SELECT h.load_id, h.source, h.file_name, h.rows_raw AS rows_after,
       (SELECT max(c.rows_raw) FROM meta.load c
        WHERE c.file_name = h.file_name AND c.status = 'loaded') AS rows_before
FROM meta.load h
WHERE h.status = 'held'
  AND h.load_id = (SELECT max(n.load_id) FROM meta.load n WHERE n.file_name = h.file_name)
ORDER BY h.load_id;
