-- The newest extract date loaded for each source, up to the run date (the freshness gate judges
-- it): a file dated after the run date never keeps a source fresh.
SELECT source, max(extract_date) FROM meta.load
WHERE status = 'loaded' AND extract_date <= $run_date GROUP BY source;
