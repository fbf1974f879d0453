"""Erasing what the retention schedule (governance/retention.py) says is due (`cohort retention`).

Finding what is due only reads; erasing is one transaction with one ``erase`` audit event per class,
and the published list folders are deleted after it commits. Which rows are due, and their SQL, is
pipelines/govern/retention_rows.py.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from data_contracts.contract import Contract, load_contracts
from governance.retention import MEASURED_FROM, Schedule
from pipelines.govern.retention_rows import Due, class_due
from pipelines.warehouse import audit_log as audit
from pipelines.warehouse.connection import connect
from pipelines.warehouse.queries import sql, transaction
from pipelines.warehouse.raw_files import sweep_raw_files

PUBLISHED_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}-run-\d+$")
"""A weekly list's folder name (pipelines.weekly.run): only such folders are ever deleted."""


@dataclass(frozen=True)
class Erasure:
    """What `apply_retention` erased, and any folder it could not delete (with what to do)."""

    erased: list[Due]
    problems: list[str]


def due(
    con: duckdb.DuckDBPyConnection, schedule: Schedule, as_of: date,
    contracts: Mapping[str, Contract] | None = None,
) -> list[Due]:  # fmt: skip
    """What each class has past its period on ``as_of`` (reads only; nothing changes)."""
    contracts = load_contracts() if contracts is None else contracts
    return [class_due(con, c, as_of, contracts, erase=False) for c in schedule.classes]


def erase(
    con: duckdb.DuckDBPyConnection, schedule: Schedule, as_of: date, *, actor: str, now: datetime,
    contracts: Mapping[str, Contract] | None = None,
) -> list[Due]:  # fmt: skip
    """Erase every row past its period and mark erased list runs (at ``now``), in one transaction, with one
    ``erase`` audit event per class (its counts, and its basis as the purpose).

    The published folders are not touched: delete them after the commit (:func:`remove_folders`).
    """
    contracts = load_contracts() if contracts is None else contracts
    with transaction(con):
        erased = []
        for record_class in schedule.classes:
            done = class_due(con, record_class, as_of, contracts, erase=True, now=now)
            audit.record(
                con, actor, "erase", erase_detail(done), purpose=record_class.basis, rows=done.total, at=now
            )
            erased.append(done)
    return erased


def erase_detail(done: Due) -> str:
    """The audit event's text: the class, the cutoff and counts (never what the rows said)."""
    record_class = done.record_class
    tables = ", ".join(f"{table} {rows}" for table, rows in done.rows.items() if rows)
    tables = f" ({tables})" if tables else ""
    text = (
        f"retention class {record_class.id}: {done.total} rows erased{tables}; kept "
        f"{record_class.keep_years} years from {MEASURED_FROM[record_class.measured_from]}, "
        f"cutoff {done.cutoff:%d/%m/%Y}"
    )
    if record_class.kind == "lists":
        text += (
            f"; {len(done.runs)} list runs marked erased, {done.files} published files in "
            f"{len(done.folders)} folders"
        )
    return text


def remove_folders(erased: list[Due]) -> list[str]:
    """Delete the published folders of erased list runs; returns a problem for each left in place."""
    problems = []
    for done in erased:
        for folder in done.folders:
            if not PUBLISHED_FOLDER.match(folder.name):
                problems.append(
                    f"{folder} was not deleted: it does not look like a published list folder "
                    "(YYYY-MM-DD-run-N); check lists.run.folder and delete it by hand"
                )
                continue
            try:
                shutil.rmtree(folder)
            except OSError as error:
                problems.append(f"{folder} was not deleted ({error}): delete it by hand")
    return problems


def check_retention(warehouse: Path, schedule: Schedule, as_of: date) -> list[Due]:
    """What would be erased on ``as_of`` (the warehouse is read, nothing changes)."""
    with connect(warehouse) as con:
        return due(con, schedule, as_of)


def apply_retention(warehouse: Path, schedule: Schedule, as_of: date, *, by: str, now: datetime) -> Erasure:
    """Erase what is due on ``as_of`` (recorded at ``now``), then delete the erased lists' folders."""
    with connect(warehouse) as con:
        erased = erase(con, schedule, as_of, actor=f"user:{by}", now=now)
        con.execute(sql("govern/checkpoint"))  # write the deletions into the database file, out of the WAL
        sweep_raw_files(con)  # the raw files rewritten without the erased rows replace the old ones
    return Erasure(erased, remove_folders(erased))
