-- the comment of a raw view: the hash of the text it was made from (pipelines.warehouse.raw_files)
SELECT comment FROM duckdb_views()
WHERE database_name = current_database() AND schema_name = 'raw' AND view_name = $view
