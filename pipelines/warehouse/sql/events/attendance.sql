-- Termly school attendance as events: one per pupil and term, dated at the term's start.
SELECT s.person_id, s.term_start AS event_date, s.recorded_date, s.sessions_possible, s.sessions_attended,
       s.postcode, s.ethnicity AS ethnicity
FROM linked s;
