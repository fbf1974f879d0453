-- One run's predictions, each under the person id its records belong to now (`merged`: the CTE of
-- pipelines.warehouse.event_frames.merged_ids_sql), in person id order.
SELECT coalesce(m.now_id, p.person_id) AS person_id, p.probability, p.margin, p.band, p.age, p.listed,
    p.within_capacity
FROM scoring.prediction p LEFT JOIN merged m USING (person_id)
WHERE p.run_id = $run_id
ORDER BY person_id;
