-- Emergency department assault attendances as events.
SELECT s.person_id, s.arrival_date AS event_date, s.recorded_date, s.injury_mechanism, s.assault_location,
       s.postcode, s.ethnic_category AS ethnicity
FROM linked s;
