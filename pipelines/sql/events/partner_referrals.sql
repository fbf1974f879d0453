-- Referrals by partners as events; recorded when entered.
SELECT x.person_id, s.referral_date AS event_date, s.date_entered AS recorded_date, s.referrer_type
FROM staging.partner_referrals s
JOIN meta.load l USING (load_id)
JOIN link.xref x ON x.source = 'partner_referrals' AND x.source_record_id = s.referral_ref
WHERE l.status = 'loaded'
QUALIFY row_number() OVER (PARTITION BY s.referral_ref ORDER BY s.load_id DESC) = 1;
