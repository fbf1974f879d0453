-- decisions by kind, in all and since the previous pack ($since, NULL for the first pack)
SELECT decision, count(*), count(*) FILTER (WHERE ? IS NULL OR recorded_at > ?)
FROM review.decision GROUP BY decision ORDER BY decision
