-- Suspensions and permanent exclusions as events.
SELECT x.person_id, s.start_date AS event_date, s.date_recorded AS recorded_date, s.category,
       s.reason_1 AS reason
FROM staging.education_exclusions s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'education_exclusions' AND x.source_record_id = s.exclusion_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.exclusion_id ORDER BY s.load_id DESC) = 1;
