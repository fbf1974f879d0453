"""The trial's allocations as read-model rows (rm_allocation): who is in the trial since when, their
arm, and the roles their draw's settings conceal the arm from (the web app withholds it from them)."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from pipelines.warehouse.queries import sql

Row = dict[str, Any]


def allocation_rows(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every allocation (rm_allocation rows), with ``concealed_from`` taken from its draw's settings."""
    rows = []
    concealed: dict[str, str] = {}  # a draw's settings text -> its concealed roles as JSON
    for allocation, person, current, trial, on, arm, withdrawn, settings in con.execute(
        sql("console/allocations")
    ).fetchall():
        if settings not in concealed:
            concealed[settings] = json.dumps(sorted(json.loads(settings).get("concealed_from", [])))
        rows.append(
            {"allocation_id": allocation, "person_id": person, "current_person_id": current, "trial": trial,
             "allocated_on": on, "arm": arm, "withdrawn_on": withdrawn, "concealed_from": concealed[settings]}
        )  # fmt: skip
    return rows
