-- the rows a Parquet file holds (from its footer)
SELECT count(*) FROM read_parquet($path)
