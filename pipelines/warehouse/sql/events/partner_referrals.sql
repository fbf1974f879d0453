-- Referrals by partners as events; recorded when entered.
SELECT s.person_id, s.referral_date AS event_date, s.date_entered AS recorded_date, s.referrer_type,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
