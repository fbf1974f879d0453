-- Education, employment and training activity (CCIS) as events.
SELECT s.person_id, s.activity_start AS event_date, s.recorded_date, s.activity_code,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
