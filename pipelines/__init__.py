"""Prefect flows, the DuckDB warehouse, the cohort CLI and publishing: the only I/O package."""
