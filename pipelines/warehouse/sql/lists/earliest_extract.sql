-- The earliest extract date loaded: no list can be drawn up as of a day before any data.
SELECT min(extract_date) FROM meta.load WHERE status = 'loaded';
