-- The people each pending identity pair involves (through either registration). Two equality joins,
-- not one join on "left OR right": DuckDB hashes an equality join, but compares every pair with every
-- xref row for an OR (17,000 pairs x 8.4 million records at force scale).
SELECT DISTINCT pair_id, person_id FROM (
    SELECT p.pair_id, x.person_id FROM link.review_pair p JOIN link.xref x ON x.registration = p.registration_l
    UNION ALL
    SELECT p.pair_id, x.person_id FROM link.review_pair p JOIN link.xref x ON x.registration = p.registration_r
)
ORDER BY pair_id, person_id
