-- The first reference date each person was put forward on any list (published or since superseded),
-- under the person id their records belong to now (`merged`: pipelines.warehouse.event_frames).
SELECT coalesce(m.now_id, e.person_id) AS person_id, min(r.as_of) AS first_listed
FROM lists.entry e JOIN lists.run r USING (run_id) LEFT JOIN merged m USING (person_id)
GROUP BY ALL;
