-- Analysts' decisions on the people the weekly list puts forward (written by `cohort review`).
-- The rules read them as of each reference date: accepted people are cohort members until
-- cohort_end_date; declined people are excluded for a while unless something new qualifies them.
CREATE TABLE review.decision (
    decision_id BIGINT PRIMARY KEY,
    run_id INTEGER,                        -- the weekly list run the person was reviewed on
    person_id BIGINT NOT NULL,             -- link.person
    decision VARCHAR NOT NULL CHECK (decision IN ('accept', 'decline', 'defer', 'known')),
    reason VARCHAR NOT NULL,
    reviewer VARCHAR NOT NULL,
    decided_on DATE NOT NULL,              -- the date the decision takes effect
    recorded_at TIMESTAMP NOT NULL,        -- when it was entered: rules see it from the next day
    cohort_end_date DATE                   -- accept only: the day membership ends (NULL: open)
);
