-- The people with a pair of registrations in the linkage review queue: their identity may yet merge
-- with another person's (or be kept apart) when a reviewer decides. (A semi-join on the queue's
-- registrations: joining link.xref on "either side of the pair" was a nested loop, 17,696 pairs by
-- 8.4 million cross-references at force scale, about 380 s; this takes under a second.)
SELECT DISTINCT x.person_id FROM link.xref x
WHERE x.registration IN (
    SELECT registration_l FROM link.review_pair UNION SELECT registration_r FROM link.review_pair
)
ORDER BY x.person_id;
