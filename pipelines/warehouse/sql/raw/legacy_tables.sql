-- every source with a raw layer: each has a raw_legacy table (empty in a warehouse made with files)
SELECT table_name FROM duckdb_tables()
WHERE database_name = current_database() AND schema_name = 'raw_legacy'
ORDER BY table_name
