-- The newest extract date per source among the loads a list pins, up to its as_of: a file dated
-- after the list's as_of never keeps a source fresh for it.
SELECT source, max(extract_date) FROM meta.load
WHERE list_contains($load_ids, load_id) AND source IS NOT NULL AND extract_date <= $as_of
GROUP BY source;
