SELECT coalesce(max(decision_id), 0) FROM review.decision
