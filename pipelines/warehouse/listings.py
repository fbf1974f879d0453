"""What the command line lists from the warehouse: past linkage and list runs, and the linked records."""

from __future__ import annotations

from typing import Any

import duckdb
import polars as pl

from pipelines.warehouse.queries import sql


def linkage_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every linkage run, newest first, and how it ended (no personal data).

    Returns:
        Rows of run id, started, finished, status, trained, then the counts (records, people, pairs
        for review, merges, splits).
    """
    return con.execute(sql("link/runs")).fetchall()


def list_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every weekly list run, by run id: dates, modes, versions and sizes (no personal data).

    Returns:
        Rows of run id, as of, status, mode, model version, rules version (12 characters), entries,
        within capacity, created by, created at.
    """
    return con.execute(sql("cli/list_runs")).fetchall()


def linked_records(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The identity cross-reference (``link.xref``): every source record and its person id."""
    records: pl.DataFrame = con.sql(sql("cli/xref")).pl()
    return records
