SELECT match_probability, registration_l, registration_r FROM link.review_pair WHERE pair_id = ?
