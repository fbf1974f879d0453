-- The newest extract date loaded for each source (the freshness gate judges it).
SELECT source, max(extract_date) FROM meta.load WHERE status = 'loaded' GROUP BY source;
