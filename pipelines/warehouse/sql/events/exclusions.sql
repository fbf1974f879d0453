-- Suspensions and permanent exclusions as events.
SELECT s.person_id, s.start_date AS event_date, s.date_recorded AS recorded_date, s.category,
       s.reason_1 AS reason,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
