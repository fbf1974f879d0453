-- Every allocation, followed to the person who holds most of the source records it held (link.xref now;
-- ties to the lower id; its own person id if none of its records is linked), with its withdrawal.
WITH held AS (
    SELECT r.allocation_id, x.person_id, count(*) AS records
    FROM trial.allocation_record r JOIN link.xref x USING (source, source_record_id)
    GROUP BY r.allocation_id, x.person_id
),
holder AS (
    SELECT allocation_id, person_id FROM held
    QUALIFY row_number() OVER (PARTITION BY allocation_id ORDER BY records DESC, person_id) = 1
)
SELECT a.allocation_id, coalesce(h.person_id, a.person_id) AS person_id, a.draw_id, a.stratum, a.arm,
       a.randomised, a.allocated_on, w.withdrawn_on
FROM trial.allocation a
LEFT JOIN holder h USING (allocation_id)
LEFT JOIN trial.withdrawal w USING (allocation_id)
ORDER BY a.allocation_id;
