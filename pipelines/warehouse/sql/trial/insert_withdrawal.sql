-- A withdrawal (the person keeps their arm: the evaluation is by intention to treat).
INSERT INTO trial.withdrawal (allocation_id, withdrawn_on, reason, recorded_by, recorded_at, event_id)
VALUES ($allocation_id, $withdrawn_on, $reason, $recorded_by, $recorded_at, $event_id);
