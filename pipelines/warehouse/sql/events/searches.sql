-- Stop and searches as events.
SELECT s.person_id, s.search_date AS event_date, s.recorded_date, s.object_of_search AS object,
       s.item_found = 'Y' AS item_found, s.outcome,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
