"""Read the events and people features are built from, out of the warehouse (staging joined to linkage)."""

from __future__ import annotations

import duckdb
import polars as pl

from features.events import PEOPLE_SCHEMA, SCHEMAS, Events
from pipelines.warehouse import sql


def read_events(con: duckdb.DuckDBPyConnection) -> Events:
    """Every kind of event from current loads, each record once, with its linked person."""
    return Events.of(**{name: _frame(con, sql(f"events/{name}"), schema) for name, schema in SCHEMAS.items()})


def read_people(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every linked person's date of birth and sex."""
    return _frame(con, "SELECT person_id, dob, sex FROM link.person", PEOPLE_SCHEMA)


def _frame(con: duckdb.DuckDBPyConnection, query: str, schema: pl.Schema) -> pl.DataFrame:
    table = con.sql(query).to_arrow_table()
    if table.num_rows == 0:
        return pl.DataFrame(schema=schema)
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.cast(schema)
