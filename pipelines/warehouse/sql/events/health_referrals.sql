-- Mental health and substance misuse referrals as events.
SELECT s.person_id, s.referral_date AS event_date, s.recorded_date, s.service,
       s.postcode, NULL::VARCHAR AS ethnicity
FROM linked s;
