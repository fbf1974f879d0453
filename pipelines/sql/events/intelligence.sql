-- Intelligence reports as events.
SELECT x.person_id, s.report_date AS event_date, s.recorded_date, s.grading, s.group_name
FROM staging.police_intelligence s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'police_intelligence' AND x.source_record_id = s.intel_ref
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.intel_ref ORDER BY s.load_id DESC) = 1;
