-- Mental health and substance misuse referrals as events.
SELECT x.person_id, s.referral_date AS event_date, s.recorded_date, s.service
FROM staging.health_referrals s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'health_referrals' AND x.source_record_id = s.referral_id
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.referral_id ORDER BY s.load_id DESC) = 1;
