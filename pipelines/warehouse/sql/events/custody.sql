-- Police custody records as events: the arrest, its offence, outcome and any remand or sentence.
SELECT s.person_id, s.arrest_date AS event_date, s.recorded_date, s.crime_ref, s.offence_code AS ho_code,
       s.outcome, s.custody_type, s.release_date,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
