-- Mark a stored review decision as taken in from the console's decision of that id.
UPDATE review.decision SET console_decision_id = $console_id WHERE decision_id = $decision_id
