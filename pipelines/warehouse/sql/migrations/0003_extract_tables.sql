-- Raw (verbatim text), staging (typed, normalised) and quarantine (rows with reasons) tables
-- for each extract, as its contract declares them. Generated once from the contracts with
-- pipelines.warehouse.extract_tables_sql; a contract change needs a new migration.

-- education_activity: Changes in a young person's post-16 activity (education, employment, training or NEET).
CREATE TABLE raw.education_activity (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" VARCHAR,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "activity_code" VARCHAR,
    "activity_start" VARCHAR,
    "recorded_date" VARCHAR
);
CREATE TABLE staging.education_activity (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" DATE,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "activity_code" VARCHAR,
    "activity_start" DATE,
    "recorded_date" DATE
);
CREATE TABLE quarantine.education_activity (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" VARCHAR,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "activity_code" VARCHAR,
    "activity_start" VARCHAR,
    "recorded_date" VARCHAR
);

-- education_attendance: Termly attendance per pupil (sessions possible, attended and missed without authority).
CREATE TABLE raw.education_attendance (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" VARCHAR,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "school_urn" VARCHAR,
    "academic_year" VARCHAR,
    "term" VARCHAR,
    "term_start" VARCHAR,
    "sessions_possible" VARCHAR,
    "sessions_attended" VARCHAR,
    "sessions_unauthorised" VARCHAR,
    "recorded_date" VARCHAR
);
CREATE TABLE staging.education_attendance (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" DATE,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "school_urn" VARCHAR,
    "academic_year" VARCHAR,
    "term" VARCHAR,
    "term_start" DATE,
    "sessions_possible" INTEGER,
    "sessions_attended" INTEGER,
    "sessions_unauthorised" INTEGER,
    "recorded_date" DATE
);
CREATE TABLE quarantine.education_attendance (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "record_id" VARCHAR,
    "upn" VARCHAR,
    "legal_surname" VARCHAR,
    "forename" VARCHAR,
    "date_of_birth" VARCHAR,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "school_urn" VARCHAR,
    "academic_year" VARCHAR,
    "term" VARCHAR,
    "term_start" VARCHAR,
    "sessions_possible" VARCHAR,
    "sessions_attended" VARCHAR,
    "sessions_unauthorised" VARCHAR,
    "recorded_date" VARCHAR
);

-- education_exclusions: Suspensions and permanent exclusions from school, one row per exclusion.
CREATE TABLE raw.education_exclusions (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "Exclusion ID" VARCHAR,
    "UPN" VARCHAR,
    "Surname" VARCHAR,
    "Forename" VARCHAR,
    "DOB" VARCHAR,
    "Gender" VARCHAR,
    "Postcode" VARCHAR,
    "School URN" VARCHAR,
    "Category" VARCHAR,
    "Start Date" VARCHAR,
    "Sessions" VARCHAR,
    "Reason 1" VARCHAR,
    "Date Recorded" VARCHAR
);
CREATE TABLE staging.education_exclusions (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "exclusion_id" VARCHAR,
    "upn" VARCHAR,
    "surname" VARCHAR,
    "forename" VARCHAR,
    "dob" DATE,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "school_urn" VARCHAR,
    "category" VARCHAR,
    "start_date" DATE,
    "sessions" INTEGER,
    "reason_1" VARCHAR,
    "date_recorded" DATE
);
CREATE TABLE quarantine.education_exclusions (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "Exclusion ID" VARCHAR,
    "UPN" VARCHAR,
    "Surname" VARCHAR,
    "Forename" VARCHAR,
    "DOB" VARCHAR,
    "Gender" VARCHAR,
    "Postcode" VARCHAR,
    "School URN" VARCHAR,
    "Category" VARCHAR,
    "Start Date" VARCHAR,
    "Sessions" VARCHAR,
    "Reason 1" VARCHAR,
    "Date Recorded" VARCHAR
);

-- health_ed_attendances: Emergency department attendances for assault, with the injury mechanism and where it happened.
CREATE TABLE raw.health_ed_attendances (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "ATTENDANCE_ID" VARCHAR,
    "NHS_NUMBER" VARCHAR,
    "PATIENT_SURNAME" VARCHAR,
    "PATIENT_FORENAME" VARCHAR,
    "PERSON_BIRTH_DATE" VARCHAR,
    "PERSON_GENDER_CODE" VARCHAR,
    "POSTCODE" VARCHAR,
    "ARRIVAL_DATE" VARCHAR,
    "INJURY_MECHANISM" VARCHAR,
    "ASSAULT_LOCATION" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
CREATE TABLE staging.health_ed_attendances (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "attendance_id" VARCHAR,
    "nhs_number" VARCHAR,
    "patient_surname" VARCHAR,
    "patient_forename" VARCHAR,
    "person_birth_date" DATE,
    "person_gender_code" VARCHAR,
    "postcode" VARCHAR,
    "arrival_date" DATE,
    "injury_mechanism" VARCHAR,
    "assault_location" VARCHAR,
    "recorded_date" DATE
);
CREATE TABLE quarantine.health_ed_attendances (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "ATTENDANCE_ID" VARCHAR,
    "NHS_NUMBER" VARCHAR,
    "PATIENT_SURNAME" VARCHAR,
    "PATIENT_FORENAME" VARCHAR,
    "PERSON_BIRTH_DATE" VARCHAR,
    "PERSON_GENDER_CODE" VARCHAR,
    "POSTCODE" VARCHAR,
    "ARRIVAL_DATE" VARCHAR,
    "INJURY_MECHANISM" VARCHAR,
    "ASSAULT_LOCATION" VARCHAR,
    "RECORDED_DATE" VARCHAR
);

-- health_referrals: Referrals to child and adolescent or adult mental health services and to substance misuse services.
CREATE TABLE raw.health_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "REFERRAL_ID" VARCHAR,
    "NHS_NUMBER" VARCHAR,
    "PATIENT_SURNAME" VARCHAR,
    "PATIENT_FORENAME" VARCHAR,
    "PERSON_BIRTH_DATE" VARCHAR,
    "PERSON_GENDER_CODE" VARCHAR,
    "POSTCODE" VARCHAR,
    "REFERRAL_DATE" VARCHAR,
    "SERVICE" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
CREATE TABLE staging.health_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "referral_id" VARCHAR,
    "nhs_number" VARCHAR,
    "patient_surname" VARCHAR,
    "patient_forename" VARCHAR,
    "person_birth_date" DATE,
    "person_gender_code" VARCHAR,
    "postcode" VARCHAR,
    "referral_date" DATE,
    "service" VARCHAR,
    "recorded_date" DATE
);
CREATE TABLE quarantine.health_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "REFERRAL_ID" VARCHAR,
    "NHS_NUMBER" VARCHAR,
    "PATIENT_SURNAME" VARCHAR,
    "PATIENT_FORENAME" VARCHAR,
    "PERSON_BIRTH_DATE" VARCHAR,
    "PERSON_GENDER_CODE" VARCHAR,
    "POSTCODE" VARCHAR,
    "REFERRAL_DATE" VARCHAR,
    "SERVICE" VARCHAR,
    "RECORDED_DATE" VARCHAR
);

-- partner_referrals: Referrals to the programme made by partners (schools, parents, youth workers, social care, police).
CREATE TABLE raw.partner_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "Referral Ref" VARCHAR,
    "First Name" VARCHAR,
    "Last Name" VARCHAR,
    "Date of Birth" VARCHAR,
    "Gender" VARCHAR,
    "Postcode" VARCHAR,
    "Referral Date" VARCHAR,
    "Referrer Type" VARCHAR,
    "Date Entered" VARCHAR
);
CREATE TABLE staging.partner_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "referral_ref" VARCHAR,
    "first_name" VARCHAR,
    "last_name" VARCHAR,
    "date_of_birth" DATE,
    "gender" VARCHAR,
    "postcode" VARCHAR,
    "referral_date" DATE,
    "referrer_type" VARCHAR,
    "date_entered" DATE
);
CREATE TABLE quarantine.partner_referrals (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "Referral Ref" VARCHAR,
    "First Name" VARCHAR,
    "Last Name" VARCHAR,
    "Date of Birth" VARCHAR,
    "Gender" VARCHAR,
    "Postcode" VARCHAR,
    "Referral Date" VARCHAR,
    "Referrer Type" VARCHAR,
    "Date Entered" VARCHAR
);

-- police_custody: Arrests and custody periods (police custody, remand or sentence), one row per custody record.
CREATE TABLE raw.police_custody (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "CUSTODY_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "CRIME_REF" VARCHAR,
    "OFFENCE_CODE" VARCHAR,
    "ARREST_DATE" VARCHAR,
    "OUTCOME" VARCHAR,
    "CUSTODY_TYPE" VARCHAR,
    "RELEASE_DATE" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
CREATE TABLE staging.police_custody (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "custody_ref" VARCHAR,
    "pnc_id" VARCHAR,
    "surname" VARCHAR,
    "forenames" VARCHAR,
    "dob" DATE,
    "sex" VARCHAR,
    "postcode" VARCHAR,
    "crime_ref" VARCHAR,
    "offence_code" VARCHAR,
    "arrest_date" DATE,
    "outcome" VARCHAR,
    "custody_type" VARCHAR,
    "release_date" DATE,
    "recorded_date" DATE
);
CREATE TABLE quarantine.police_custody (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "CUSTODY_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "CRIME_REF" VARCHAR,
    "OFFENCE_CODE" VARCHAR,
    "ARREST_DATE" VARCHAR,
    "OUTCOME" VARCHAR,
    "CUSTODY_TYPE" VARCHAR,
    "RELEASE_DATE" VARCHAR,
    "RECORDED_DATE" VARCHAR
);

-- police_intelligence: Intelligence reports associating a person with a named street group, graded 3x5x2.
CREATE TABLE raw.police_intelligence (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "INTEL_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "REPORT_DATE" VARCHAR,
    "GRADING" VARCHAR,
    "GROUP_NAME" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
CREATE TABLE staging.police_intelligence (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "intel_ref" VARCHAR,
    "pnc_id" VARCHAR,
    "surname" VARCHAR,
    "forenames" VARCHAR,
    "dob" DATE,
    "sex" VARCHAR,
    "postcode" VARCHAR,
    "report_date" DATE,
    "grading" VARCHAR,
    "group_name" VARCHAR,
    "recorded_date" DATE
);
CREATE TABLE quarantine.police_intelligence (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "INTEL_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "REPORT_DATE" VARCHAR,
    "GRADING" VARCHAR,
    "GROUP_NAME" VARCHAR,
    "RECORDED_DATE" VARCHAR
);

-- police_occurrences: Crimes with the people recorded on them as suspect or victim, one row per person per crime.
CREATE TABLE raw.police_occurrences (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "RECORD_ID" VARCHAR,
    "CRIME_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "ROLE" VARCHAR,
    "HO_CODE" VARCHAR,
    "OFFENCE_DATE" VARCHAR,
    "RECORDED_DATE" VARCHAR,
    "KNIFE_FLAG" VARCHAR
);
CREATE TABLE staging.police_occurrences (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "record_id" VARCHAR,
    "crime_ref" VARCHAR,
    "pnc_id" VARCHAR,
    "surname" VARCHAR,
    "forenames" VARCHAR,
    "dob" DATE,
    "sex" VARCHAR,
    "postcode" VARCHAR,
    "role" VARCHAR,
    "ho_code" VARCHAR,
    "offence_date" DATE,
    "recorded_date" DATE,
    "knife_flag" VARCHAR
);
CREATE TABLE quarantine.police_occurrences (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "RECORD_ID" VARCHAR,
    "CRIME_REF" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "ROLE" VARCHAR,
    "HO_CODE" VARCHAR,
    "OFFENCE_DATE" VARCHAR,
    "RECORDED_DATE" VARCHAR,
    "KNIFE_FLAG" VARCHAR
);

-- police_stop_search: Stop and search encounters, one row per person searched.
CREATE TABLE raw.police_stop_search (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "SEARCH_ID" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "SEARCH_DATE" VARCHAR,
    "OBJECT_OF_SEARCH" VARCHAR,
    "ITEM_FOUND" VARCHAR,
    "OUTCOME" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
CREATE TABLE staging.police_stop_search (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    "search_id" VARCHAR,
    "pnc_id" VARCHAR,
    "surname" VARCHAR,
    "forenames" VARCHAR,
    "dob" DATE,
    "sex" VARCHAR,
    "postcode" VARCHAR,
    "search_date" DATE,
    "object_of_search" VARCHAR,
    "item_found" VARCHAR,
    "outcome" VARCHAR,
    "recorded_date" DATE
);
CREATE TABLE quarantine.police_stop_search (
    load_id INTEGER NOT NULL,
    row_number BIGINT NOT NULL,
    reasons STRUCT(rule VARCHAR, message VARCHAR)[] NOT NULL,
    "SEARCH_ID" VARCHAR,
    "PNC_ID" VARCHAR,
    "SURNAME" VARCHAR,
    "FORENAMES" VARCHAR,
    "DOB" VARCHAR,
    "SEX" VARCHAR,
    "POSTCODE" VARCHAR,
    "SEARCH_DATE" VARCHAR,
    "OBJECT_OF_SEARCH" VARCHAR,
    "ITEM_FOUND" VARCHAR,
    "OUTCOME" VARCHAR,
    "RECORDED_DATE" VARCHAR
);
