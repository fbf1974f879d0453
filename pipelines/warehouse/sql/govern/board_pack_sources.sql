SELECT source, count(*) FILTER (WHERE status = 'loaded') AS loaded,
    count(*) FILTER (WHERE status = 'rejected') AS rejected,
    count(*) FILTER (WHERE status = 'superseded') AS superseded,
    sum(rows_raw) FILTER (WHERE status = 'loaded') AS rows_raw,
    sum(rows_staged) FILTER (WHERE status = 'loaded') AS rows_staged,
    sum(rows_quarantined) FILTER (WHERE status = 'loaded') AS rows_quarantined,
    max(extract_date) FILTER (WHERE status = 'loaded') AS newest_extract
FROM meta.load GROUP BY source ORDER BY source NULLS LAST
