-- Who received a person's data: the lists they were on published or exported, and their earlier
-- subject access exports (subject access).
SELECT occurred_at, event_id, action, actor, file_name AS file, recipients, purpose, rows
FROM audit.event WHERE (list_contains($actions, action) AND list_contains($runs,
TRY_CAST(regexp_extract(detail, '^list run ([0-9]+)', 1) AS INTEGER)))
OR (action = 'subject_access' AND list_contains($files, file_name)) ORDER BY event_id
