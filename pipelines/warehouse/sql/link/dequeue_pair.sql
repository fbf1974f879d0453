DELETE FROM link.review_pair WHERE pair_id = ?
