-- The people each pending identity pair involves (through either registration).
SELECT DISTINCT p.pair_id, x.person_id FROM link.review_pair p
JOIN link.xref x ON x.registration = p.registration_l OR x.registration = p.registration_r
ORDER BY p.pair_id, x.person_id
