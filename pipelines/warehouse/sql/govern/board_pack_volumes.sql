-- the recent list runs with their size, the decisions recorded against them and fairness breaches
SELECT r.run_id, r.as_of, r.status, r.mode, r.entries, r.within_capacity, r.fairness_breaches,
    r.erased_at IS NOT NULL AS erased, count(d.decision_id) AS decisions,
    count(d.decision_id) FILTER (WHERE d.decision = 'accept') AS accepted,
    count(d.decision_id) FILTER (WHERE d.decision = 'decline') AS declined
FROM lists.run r LEFT JOIN review.decision d USING (run_id)
GROUP BY ALL ORDER BY r.as_of DESC, r.run_id DESC LIMIT $recent
