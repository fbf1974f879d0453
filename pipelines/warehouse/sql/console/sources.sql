-- Each source's loads: newest extract loaded, files loaded and rejected, rows staged and quarantined.
SELECT source,
       max(extract_date) FILTER (WHERE status = 'loaded') AS newest_extract,
       count(*) FILTER (WHERE status = 'loaded') AS files,
       count(*) FILTER (WHERE status = 'rejected') AS rejected,
       coalesce(sum(rows_staged) FILTER (WHERE status = 'loaded'), 0) AS "rows",
       coalesce(sum(rows_quarantined) FILTER (WHERE status = 'loaded'), 0) AS quarantined
FROM meta.load WHERE source IS NOT NULL GROUP BY source ORDER BY source
