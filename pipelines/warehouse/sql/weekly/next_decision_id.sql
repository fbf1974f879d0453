-- The id the next review decision takes.
SELECT coalesce(max(decision_id), 0) + 1 FROM review.decision;
