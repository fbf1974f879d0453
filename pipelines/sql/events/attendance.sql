-- Termly school attendance as events: one per pupil and term, dated at the term's start.
SELECT x.person_id, s.term_start AS event_date, s.recorded_date, s.sessions_possible, s.sessions_attended
FROM staging.education_attendance s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'education_attendance' AND x.source_record_id = s.record_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.record_id ORDER BY s.load_id DESC) = 1;
