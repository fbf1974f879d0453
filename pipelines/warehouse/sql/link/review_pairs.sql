-- Many queued pairs (a list of pair ids): each one's probability and its two registrations.
SELECT p.pair_id, p.match_probability, p.registration_l, p.registration_r
FROM link.review_pair p JOIN (SELECT unnest(?) AS pair_id) w ON w.pair_id = p.pair_id
ORDER BY p.pair_id
