-- Write what the WAL holds into the database file (after retention erases rows).
CHECKPOINT
