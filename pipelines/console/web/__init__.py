"""The console's web app (FastAPI, Jinja2, htmx): it uses the operational store only, never DuckDB."""
