DELETE FROM link.review_pair
