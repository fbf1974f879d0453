-- Emergency department assault attendances as events.
SELECT x.person_id, s.arrival_date AS event_date, s.recorded_date, s.injury_mechanism, s.assault_location
FROM staging.health_ed_attendances s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'health_ed_attendances' AND x.source_record_id = s.attendance_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.attendance_id ORDER BY s.load_id DESC) = 1;
