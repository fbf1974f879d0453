-- Last run's people, a registration at a time: how many of each registration's records went to
-- which person. Person ids follow these from run to run (linkage.identity.assign_person_ids).
SELECT registration, person_id, count(*) AS records
FROM link.xref
GROUP BY registration, person_id;
