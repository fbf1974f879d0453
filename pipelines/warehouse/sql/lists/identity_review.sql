-- The people with a pair of registrations in the linkage review queue: their identity may yet merge
-- with another person's (or be kept apart) when a reviewer decides.
SELECT DISTINCT x.person_id FROM link.review_pair p
JOIN link.xref x ON x.registration = p.registration_l OR x.registration = p.registration_r
ORDER BY x.person_id;
