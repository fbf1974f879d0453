-- The pairs the runs so far scored at or above the review threshold, as Splink scored them.
SELECT registration_l, registration_r, match_probability, match_weight FROM link.pair;
