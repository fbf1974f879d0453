-- The commitment's draw is made (in the draw's transaction).
UPDATE trial.commitment SET status = 'drawn' WHERE commitment_event_id = $commitment_event_id;
