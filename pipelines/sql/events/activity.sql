-- Education, employment and training activity (CCIS) as events.
SELECT x.person_id, s.activity_start AS event_date, s.recorded_date, s.activity_code
FROM staging.education_activity s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'education_activity' AND x.source_record_id = s.record_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.record_id ORDER BY s.load_id DESC) = 1;
