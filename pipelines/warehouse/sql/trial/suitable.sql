-- (after the `merged` CTE of pipelines.warehouse.event_frames.merged_ids_sql)
-- The people found suitable for a draw made on $on: each person's latest decision, followed into the
-- person id their records belong to now, recorded by $now and taking effect by $on, is an acceptance
-- taking effect on or after $since; with the age, route and calibrated probability of their entry on
-- the list run they were decided on, and when the acceptance ends.
latest AS (
    SELECT coalesce(m.now_id, d.person_id) AS person_id, d.person_id AS listed_id, d.run_id, d.decision,
           d.decided_on, d.recorded_at, d.cohort_end_date
    FROM review.decision d LEFT JOIN merged m USING (person_id)
    WHERE d.recorded_at <= $now AND d.decided_on <= $on
    QUALIFY row_number() OVER (
        PARTITION BY coalesce(m.now_id, d.person_id)
        ORDER BY d.decided_on DESC, d.recorded_at DESC, d.decision_id DESC
    ) = 1
)
SELECT l.person_id, e.age, e.route, e.probability AS score, l.decided_on, l.recorded_at,
       l.cohort_end_date
FROM latest l JOIN lists.entry e ON e.run_id = l.run_id AND e.person_id = l.listed_id
WHERE l.decision = 'accept' AND l.decided_on >= $since
ORDER BY l.person_id;
