-- (after the `merged` CTE of pipelines.warehouse.event_frames.merged_ids_sql)
-- The CONSORT flow up to the draw, in people (each followed into the person id their records belong to
-- now): on a published list from $since to $until (eligible), with a review decision recorded on one
-- of those lists (assessed), accepted (suitable), in a draw's pool, and in a pool but never allocated.
runs AS (SELECT run_id FROM lists.run WHERE status = 'published' AND as_of BETWEEN $since AND $until),
listed AS (
    SELECT DISTINCT coalesce(m.now_id, e.person_id) AS person_id
    FROM lists.entry e LEFT JOIN merged m USING (person_id)
    WHERE e.run_id IN (SELECT run_id FROM runs)
),
decided AS (
    SELECT coalesce(m.now_id, d.person_id) AS person_id, d.decision
    FROM review.decision d LEFT JOIN merged m USING (person_id)
    WHERE d.run_id IN (SELECT run_id FROM runs)
),
pooled AS (
    SELECT DISTINCT coalesce(m.now_id, p.person_id) AS person_id
    FROM trial.pool p LEFT JOIN merged m USING (person_id)
),
allocated AS (
    SELECT DISTINCT coalesce(m.now_id, a.person_id) AS person_id
    FROM trial.allocation a LEFT JOIN merged m USING (person_id)
)
SELECT
    (SELECT count(*) FROM listed) AS eligible,
    (SELECT count(DISTINCT person_id) FROM decided) AS assessed,
    (SELECT count(DISTINCT person_id) FROM decided WHERE decision = 'accept') AS suitable,
    (SELECT count(*) FROM pooled) AS pooled,
    (SELECT count(*) FROM pooled WHERE person_id NOT IN (SELECT person_id FROM allocated)) AS never_drawn;
