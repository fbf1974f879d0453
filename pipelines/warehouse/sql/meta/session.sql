-- every table row carries its load_id and row_number, so DuckDB need not keep insertion
-- order, which lets it write large inserts in parallel
SET preserve_insertion_order = false
