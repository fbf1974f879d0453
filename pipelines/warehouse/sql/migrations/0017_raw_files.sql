-- The raw layer as Parquet files beside the warehouse (issue 22): one zstd file per load and source,
-- `<warehouse stem>.raw/<source>/<load_id>-<sha256 prefix>.parquet`, registered here. raw.<source>
-- becomes a view over the registered files (pipelines.warehouse.raw_files recreates it whenever files
-- are added, rewritten or removed), united with raw_legacy.<source>: the raw rows of warehouses made
-- before this migration, moved there whole, so every query of raw.<source> reads the same rows.

CREATE TABLE meta.raw_file (
    source VARCHAR NOT NULL,
    load_id INTEGER NOT NULL,
    path VARCHAR NOT NULL,                 -- relative to the warehouse's raw folder: <source>/<file>
    sha256 VARCHAR NOT NULL,               -- of the file's bytes (a retention rewrite records the new one)
    rows BIGINT NOT NULL,
    bytes BIGINT NOT NULL,
    PRIMARY KEY (source, load_id)
);

CREATE SCHEMA raw_legacy;

CREATE TABLE raw_legacy.education_activity AS SELECT * FROM raw.education_activity;
DROP TABLE raw.education_activity;
CREATE VIEW raw.education_activity AS SELECT * FROM raw_legacy.education_activity;

CREATE TABLE raw_legacy.education_attendance AS SELECT * FROM raw.education_attendance;
DROP TABLE raw.education_attendance;
CREATE VIEW raw.education_attendance AS SELECT * FROM raw_legacy.education_attendance;

CREATE TABLE raw_legacy.education_exclusions AS SELECT * FROM raw.education_exclusions;
DROP TABLE raw.education_exclusions;
CREATE VIEW raw.education_exclusions AS SELECT * FROM raw_legacy.education_exclusions;

CREATE TABLE raw_legacy.health_ed_attendances AS SELECT * FROM raw.health_ed_attendances;
DROP TABLE raw.health_ed_attendances;
CREATE VIEW raw.health_ed_attendances AS SELECT * FROM raw_legacy.health_ed_attendances;

CREATE TABLE raw_legacy.health_referrals AS SELECT * FROM raw.health_referrals;
DROP TABLE raw.health_referrals;
CREATE VIEW raw.health_referrals AS SELECT * FROM raw_legacy.health_referrals;

CREATE TABLE raw_legacy.partner_referrals AS SELECT * FROM raw.partner_referrals;
DROP TABLE raw.partner_referrals;
CREATE VIEW raw.partner_referrals AS SELECT * FROM raw_legacy.partner_referrals;

CREATE TABLE raw_legacy.police_custody AS SELECT * FROM raw.police_custody;
DROP TABLE raw.police_custody;
CREATE VIEW raw.police_custody AS SELECT * FROM raw_legacy.police_custody;

CREATE TABLE raw_legacy.police_intelligence AS SELECT * FROM raw.police_intelligence;
DROP TABLE raw.police_intelligence;
CREATE VIEW raw.police_intelligence AS SELECT * FROM raw_legacy.police_intelligence;

CREATE TABLE raw_legacy.police_occurrences AS SELECT * FROM raw.police_occurrences;
DROP TABLE raw.police_occurrences;
CREATE VIEW raw.police_occurrences AS SELECT * FROM raw_legacy.police_occurrences;

CREATE TABLE raw_legacy.police_stop_search AS SELECT * FROM raw.police_stop_search;
DROP TABLE raw.police_stop_search;
CREATE VIEW raw.police_stop_search AS SELECT * FROM raw_legacy.police_stop_search;
