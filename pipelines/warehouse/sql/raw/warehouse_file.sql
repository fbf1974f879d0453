-- the file of the database this connection works in
SELECT path FROM duckdb_databases() WHERE database_name = current_database()
