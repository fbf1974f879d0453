-- A console journal entry taken into the audit log as an event (in the event's transaction).
INSERT INTO audit.console_journal (seq, entry_hash, event_id, taken_at) VALUES (?, ?, ?, ?)
