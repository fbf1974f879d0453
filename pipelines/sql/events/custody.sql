-- Police custody records as events: the arrest, its offence, outcome and any remand or sentence.
SELECT x.person_id, s.arrest_date AS event_date, s.recorded_date, s.crime_ref, s.offence_code AS ho_code,
       s.outcome, s.custody_type, s.release_date
FROM staging.police_custody s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'police_custody' AND x.source_record_id = s.custody_ref
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.custody_ref ORDER BY s.load_id DESC) = 1;
