-- Placeholder: number 0016 is taken by another branch of issue 22. Delete this file when that
-- branch's 0016 is merged (migrations must be numbered without gaps).
SELECT 1;
