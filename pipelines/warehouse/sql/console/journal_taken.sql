-- The console journal entries already in the audit log (take-in is idempotent): seq -> event_id.
SELECT seq, event_id FROM audit.console_journal WHERE seq >= $first
