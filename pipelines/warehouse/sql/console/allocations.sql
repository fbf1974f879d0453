-- The trial's allocations for the console (rm_allocation): each with the person holding most of its
-- records now (ties to the smaller id), its arm, since when, any withdrawal, and its draw's settings
-- (which name the roles the arm is concealed from).
WITH holders AS (
    SELECT r.allocation_id, x.person_id
    FROM trial.allocation_record r JOIN link.xref x USING (source, source_record_id)
    GROUP BY r.allocation_id, x.person_id
    QUALIFY row_number() OVER (PARTITION BY r.allocation_id ORDER BY count(*) DESC, x.person_id) = 1
)
SELECT a.allocation_id, a.person_id, coalesce(h.person_id, a.person_id) AS current_person_id, d.trial,
       a.allocated_on, a.arm, w.withdrawn_on, d.settings
FROM trial.allocation a
JOIN trial.draw d USING (draw_id)
LEFT JOIN trial.withdrawal w USING (allocation_id)
LEFT JOIN holders h USING (allocation_id)
ORDER BY a.allocation_id;
