-- Police occurrences as events (features.events.SCHEMAS["occurrences"]), then the postcode and
-- ethnicity the record carries (for "addresses"; every events query ends so). `linked`: pipelines.events.
SELECT s.person_id, s.offence_date AS event_date, s.recorded_date, lower(s.role) AS role, s.crime_ref,
       s.ho_code, s.knife_flag = 'Y' AS knife,
       s.postcode, s.self_defined_ethnicity AS ethnicity
FROM linked s;
