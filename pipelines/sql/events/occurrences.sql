-- Police occurrences as events (features.events.SCHEMAS['occurrences']), each record once (its latest current load).
SELECT x.person_id, s.offence_date AS event_date, s.recorded_date, lower(s.role) AS role, s.crime_ref,
       s.ho_code, s.knife_flag = 'Y' AS knife
FROM staging.police_occurrences s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'police_occurrences' AND x.source_record_id = s.record_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.record_id ORDER BY s.load_id DESC) = 1;
