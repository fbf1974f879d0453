-- Stop and searches as events.
SELECT x.person_id, s.search_date AS event_date, s.recorded_date, s.object_of_search AS object,
       s.item_found = 'Y' AS item_found, s.outcome
FROM staging.police_stop_search s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'police_stop_search' AND x.source_record_id = s.search_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.search_id ORDER BY s.load_id DESC) = 1;
