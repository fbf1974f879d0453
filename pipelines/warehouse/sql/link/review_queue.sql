SELECT pair_id, match_probability, registration_l, registration_r FROM link.review_pair
ORDER BY match_probability DESC, pair_id LIMIT $limit
