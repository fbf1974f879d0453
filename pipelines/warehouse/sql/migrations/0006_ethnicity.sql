-- Ethnicity (ONS 2021 codes; special-category data, audit only) added at the end of three
-- extracts: the police's self-defined ethnicity, the school census ethnicity and the emergency
-- department's ethnic category. Rows loaded before have it blank.
ALTER TABLE raw.police_occurrences ADD COLUMN "SELF_DEFINED_ETHNICITY" VARCHAR;
ALTER TABLE staging.police_occurrences ADD COLUMN "self_defined_ethnicity" VARCHAR;
ALTER TABLE quarantine.police_occurrences ADD COLUMN "SELF_DEFINED_ETHNICITY" VARCHAR;
ALTER TABLE raw.education_attendance ADD COLUMN "ethnicity" VARCHAR;
ALTER TABLE staging.education_attendance ADD COLUMN "ethnicity" VARCHAR;
ALTER TABLE quarantine.education_attendance ADD COLUMN "ethnicity" VARCHAR;
ALTER TABLE raw.health_ed_attendances ADD COLUMN "ETHNIC_CATEGORY" VARCHAR;
ALTER TABLE staging.health_ed_attendances ADD COLUMN "ethnic_category" VARCHAR;
ALTER TABLE quarantine.health_ed_attendances ADD COLUMN "ETHNIC_CATEGORY" VARCHAR;
