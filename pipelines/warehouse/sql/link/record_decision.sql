INSERT OR REPLACE INTO link.review_decision VALUES (?, ?, ?, ?, ?, ?)
