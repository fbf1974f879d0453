-- Everyone allocated by the trial, under the person id their records belong to now (`merged`: the CTE
-- of pipelines.warehouse.event_frames.merged_ids_sql): the arm, whether by randomisation, and when.
SELECT coalesce(m.now_id, a.person_id) AS person_id, a.arm, a.randomised, a.allocated_on
FROM trial.allocation a LEFT JOIN merged m USING (person_id);
