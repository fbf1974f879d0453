-- The data cut by default: the newest extract date among the files loaded (NULL before any load).
SELECT max(extract_date) FROM meta.load WHERE status = 'loaded';
