SELECT registration_l, registration_r, decision FROM link.review_decision
