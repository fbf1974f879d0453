"""Reconciliation: every load's rows add up (raw = staged + quarantined, less what retention erased)."""

from __future__ import annotations

import duckdb

from data_contracts.contract import Contract
from pipelines.warehouse.queries import quote, sql


class ReconciliationError(RuntimeError):
    """Rows read from a file do not equal the rows staged plus the rows quarantined."""


def rows_per_load_sql(layer: str, source: str) -> str:
    """SELECT (load_id, rows) of a layer's table of a source."""
    return f"SELECT load_id, count(*) FROM {layer}.{quote(source)} GROUP BY load_id"


def reconcile(con: duckdb.DuckDBPyConnection, contracts: dict[str, Contract]) -> list[str]:
    """Re-count every current load in raw, staging and quarantine against the counts stored with it.

    Rows retention erased are counted per load (``rows_erased_*``): what a layer holds now is what
    was loaded less what was erased, and what was loaded still splits raw = staged + quarantined.

    Returns:
        One line per load whose counts disagree (empty when all reconcile).
    """
    counted: dict[int, tuple[int, int, int]] = {}  # load_id -> raw, staging, quarantine rows
    for name in contracts:
        per_layer = [
            dict(con.execute(rows_per_load_sql(layer, name)).fetchall())
            for layer in ("raw", "staging", "quarantine")
        ]
        for load_id in set().union(*per_layer):
            counted[load_id] = (
                per_layer[0].get(load_id, 0),
                per_layer[1].get(load_id, 0),
                per_layer[2].get(load_id, 0),
            )
    problems = []
    for load_id, _source, file_name, raw, staged, quarantined, *erased in con.execute(
        sql("ingest/current_loads")
    ).fetchall():
        found = counted.get(load_id, (0, 0, 0))
        expected = (raw - erased[0], staged - erased[1], quarantined - erased[2])
        if found != expected or raw != staged + quarantined:
            problems.append(
                f"load {load_id} ({file_name}): recorded raw/staged/quarantined "
                f"{raw}/{staged}/{quarantined}, less erased {erased[0]}/{erased[1]}/{erased[2]}, "
                f"found {found[0]}/{found[1]}/{found[2]}"
            )
    return problems
