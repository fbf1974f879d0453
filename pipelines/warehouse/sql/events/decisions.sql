-- Review decisions as events (features.events.SCHEMAS["decisions"]): known from the day after entry.
-- A decision follows its person's records when linkage merges them into another id (the `merged`
-- CTE, pipelines.events.merged_ids_sql).
SELECT coalesce(m.now_id, d.person_id) AS person_id, d.decided_on AS event_date,
       CAST(d.recorded_at AS DATE) AS recorded_date, d.decision, d.cohort_end_date AS end_date
FROM review.decision d LEFT JOIN merged m USING (person_id)
-- (pipelines.events adds WHERE decision_id <= N when reading as a past run saw it)
