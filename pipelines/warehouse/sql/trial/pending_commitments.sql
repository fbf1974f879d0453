-- Commitments written with no draw after them: a run stopped between the commitment and its draw.
SELECT commitment_event_id, as_of, pool_size FROM trial.commitment WHERE status = 'committed'
ORDER BY commitment_event_id;
