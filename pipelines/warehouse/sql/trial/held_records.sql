-- The source records each person in _people holds now (link.xref), as an allocation keeps them.
SELECT x.person_id, x.source, x.source_record_id
FROM link.xref x WHERE x.person_id IN (SELECT person_id FROM _people)
ORDER BY x.person_id, x.source, x.source_record_id;
