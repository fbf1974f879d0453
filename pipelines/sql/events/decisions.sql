-- Review decisions as events (features.events.SCHEMAS["decisions"]): known from the day after entry.
SELECT person_id, decided_on AS event_date, CAST(recorded_at AS DATE) AS recorded_date, decision,
       cohort_end_date AS end_date
FROM review.decision
-- (pipelines.events adds WHERE decision_id <= N when reading as a past run saw it)

