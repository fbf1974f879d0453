-- The last $last events, newest first, of s.62 category $category (NULL: all); events not yet sealed
-- have no stored category, so they count by their action ($actions: the category's actions).
SELECT event_id, occurred_at, actor, action, category, source, load_id, file_name, sha256, rows, detail,
       purpose, recipients, previous_hash, event_hash
FROM audit.event
WHERE CAST($category AS VARCHAR) IS NULL
   OR category = $category
   OR (category IS NULL AND list_contains(CAST($actions AS VARCHAR[]), action))
ORDER BY event_id DESC
LIMIT $last;
