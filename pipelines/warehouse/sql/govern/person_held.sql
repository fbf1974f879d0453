-- Whether a person id is held in link.person now (subject access).
SELECT 1 FROM link.person WHERE person_id = ?
