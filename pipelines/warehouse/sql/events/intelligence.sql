-- Intelligence reports as events.
SELECT s.person_id, s.report_date AS event_date, s.recorded_date, s.grading, s.group_name,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
