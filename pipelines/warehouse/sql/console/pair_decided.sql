-- A clerical decision recorded by this reviewer at this moment (a console pair decision taken in).
SELECT count(*) FROM link.review_decision WHERE reviewer = ? AND decided_at = ?
