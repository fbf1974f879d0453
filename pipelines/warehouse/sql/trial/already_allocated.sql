-- Of the people in _people, those allocated before: they hold a source record an allocation held
-- (following any change of person id), or their id is an allocation's. With the latest such draw.
WITH held AS (
    SELECT x.person_id, r.allocation_id
    FROM link.xref x JOIN trial.allocation_record r USING (source, source_record_id)
    WHERE x.person_id IN (SELECT person_id FROM _people)
    UNION
    SELECT person_id, allocation_id FROM trial.allocation WHERE person_id IN (SELECT person_id FROM _people)
)
SELECT h.person_id, max(d.drawn_at) AS drawn_at
FROM held h JOIN trial.allocation a USING (allocation_id) JOIN trial.draw d USING (draw_id)
GROUP BY h.person_id
ORDER BY h.person_id;
