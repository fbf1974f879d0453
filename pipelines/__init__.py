"""Prefect flows, the DuckDB warehouse, the `cohort` CLI and publishing: the only package that does I/O."""
